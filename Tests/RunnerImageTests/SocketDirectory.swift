import Foundation

/// A host directory bind-mounted at `/run/pylambda` for a runner's Unix socket, as the dispatcher
/// mounts one. It is open to everyone while the runner (uid 65534) creates its socket in it.
struct SocketDirectory {
    let path: String

    init(prefix: String = "pylambda-test") throws {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // Whatever the umask left, the runner must be able to create its socket here.
        chmod(path, 0o777)
    }

    var mount: [String] { ["-v", "\(path):/run/pylambda"] }

    var client: RunnerClient { RunnerClient(address: .unixSocket(path: "\(path)/runner.sock")) }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A runner serving on a Unix socket in a hardened container, its directory removed with it.
struct SocketRunner {
    let container: RunnerContainer
    let client: RunnerClient
    let directory: SocketDirectory

    static let hardening = ["--network", "none", "--read-only", "--cap-drop", "ALL", "--user", "65534:65534"]

    static func start(environment: [String] = [], prefix: String = "pylambda-test") async throws -> SocketRunner {
        let directory = try SocketDirectory(prefix: prefix)
        let container: RunnerContainer
        do {
            container = try RunnerContainer.start(
                hardening + directory.mount + environment.flatMap { ["-e", $0] }, command: ["--unix-socket", "/run/pylambda/runner.sock"])
        } catch {
            directory.remove()
            throw error
        }
        let runner = SocketRunner(container: container, client: directory.client, directory: directory)
        do {
            try await runner.client.waitUntilReady(orExplainWith: container)
        } catch {
            runner.remove()
            throw error
        }
        return runner
    }

    func remove() {
        container.remove()
        directory.remove()
    }
}
