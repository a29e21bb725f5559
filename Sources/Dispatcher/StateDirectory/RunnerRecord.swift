#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the host knows about one runner, kept in the runner's host-only directory.
///
/// This, not the container's labels nor anything inside the container's socket directory, decides
/// which container belongs to which runner directory and which function a runner serves: labels can be
/// set by any image, and the socket directory is writable by the function.
struct RunnerRecord: Codable, Sendable, Equatable {
    /// The runner's name: its directory under `runners/` and its container's name.
    var name: String
    /// Docker's container id once created; `process-<pid>` for the process backend.
    var containerID: String?
    /// `FunctionKey.digest` of the function loaded into it; nil while it is a generic warm-pool runner.
    var function: String?
    /// The loaded code's hash (`FunctionDefinition.codeHash`: the source's SHA-256 or the package's
    /// digest), for people (`pylambda ps`).
    var codeHash: String?
    /// `ContainerProfile.key`: containers with the same profile are interchangeable.
    var profile: String
    var lifetime: RunnerLifetime
    /// `DispatcherIdentity` of the dispatcher that started it.
    var owner: String
    /// The runner's own idle TTL: it exits by itself after this long without a call.
    var runnerIdleTTLSeconds: Int
    /// Unix seconds.
    var created: Int64
    /// The runner image: only runners of the same image are shared.
    var image: String

    func encoded() -> [UInt8] {
        (try? Array(JSONEncoder().encode(self))) ?? []
    }

    static func decode(_ bytes: [UInt8]) -> RunnerRecord? {
        try? JSONDecoder().decode(RunnerRecord.self, from: Data(bytes))
    }
}

/// Whether a runner outlives the dispatcher that started it.
public enum RunnerLifetime: String, Codable, Sendable {
    /// Removed when its dispatcher shuts down or is found dead.
    case owned
    /// Left warm for the next process (`pylambda run`); removed by its own idle TTL.
    case shared
}
