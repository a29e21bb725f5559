import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Everything a `Dispatcher` can be told, each with the default that suits a long-lived server.
public struct DispatcherConfiguration: Sendable {
    public enum Backend: Sendable, Equatable {
        /// Hardened containers through the Docker daemon at `socketPath` (nil: `DOCKER_HOST`, else
        /// `/var/run/docker.sock`).
        case docker(socketPath: String? = nil)
        /// Child processes of `swift-runner` with rlimits. No isolation from this machine: only for
        /// trusted code where there is no Docker.
        case process(runnerExecutable: String)
    }

    public var backend: Backend = .docker()
    /// The tag `pylambda image build` gives the runner image, and what everything runs by default.
    public static let defaultImage = "pylambda-runner:latest"

    public var image = Self.defaultImage
    /// Limits of every function that is not given its own.
    public var function = FunctionConfiguration()
    /// Generic runners started ahead of time so that never-seen code pays only `/load`; 0 disables.
    public var warmPoolSize = 2
    /// Containers one function may scale out to, each running one invocation at a time.
    public var maxContainersPerFunction = 4
    /// Calls that may wait for a busy function before new ones are refused.
    public var maxQueuedInvocationsPerFunction = 64
    /// Containers in total; past it the least recently used idle one is removed.
    public var maxContainers = 16
    /// Idle containers are removed after this long, by the dispatcher and, should it be gone, by the
    /// runner itself. At most a day (`maxIdleTTLSeconds`); longer counts as a day.
    public var idleTTL: Duration = .seconds(300)
    /// How long a new runner may take to answer `/healthz`.
    public var startTimeout: Duration = .seconds(30)
    /// True (what `pylambda run` uses): containers are left warm at shutdown for the next process,
    /// and containers left by earlier ones are reused. False: every container is removed at shutdown.
    public var keepWarmAfterShutdown = false
    /// When to remove what dead dispatchers left (their containers and directories, and the
    /// directories of containers that removed themselves).
    public var orphanSweep = OrphanSweep.atStart
    /// Host directory for the per-runner socket directories that get bind-mounted into containers.
    public var stateDirectory: String = DispatcherConfiguration.defaultStateDirectory
    /// The dependency store (`FunctionPackages.DependencyStore`, with root mode 0711), mounted
    /// read-only into every runner at /opt/pylambda/deps; nil: `deps` in the state directory.
    public var dependencyStoreDirectory: String?

    /// Where the dependency store is.
    public var resolvedDependencyStoreDirectory: String {
        dependencyStoreDirectory ?? stateDirectory + "/deps"
    }
    public var logger = Logger(label: "pylambda.dispatcher")

    public init() {}

    public enum OrphanSweep: Sendable, Equatable {
        /// In the background as soon as `run()` starts: for long-lived dispatchers.
        case atStart
        /// Just before the first container start, so that a process that only calls warm runners
        /// never talks to Docker (what `pylambda run` uses).
        case beforeFirstStart
        case never
    }

    /// `/run/pylambda-dispatcher` for root; else `$XDG_RUNTIME_DIR/pylambda` (a directory only this
    /// user can write in), else `/tmp/pylambda-dispatcher-<uid>`.
    public static var defaultStateDirectory: String {
        if geteuid() == 0 { return "/run/pylambda-dispatcher" }
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), runtime.hasPrefix("/") {
            return runtime + "/pylambda"
        }
        return "/tmp/pylambda-dispatcher-\(geteuid())"
    }

    /// The longest idle TTL a runner accepts (`RUNNER_IDLE_TTL`, like its timeouts, is at most a day);
    /// a longer `idleTTL` is treated as this.
    public static let maxIdleTTLSeconds = 86_400

    var idleTTLSeconds: Int { Int(min(max(1, idleTTL.components.seconds), Int64(Self.maxIdleTTLSeconds))) }
}
