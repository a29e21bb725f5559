#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock seconds, as the Docker daemon stamps its events.
enum UnixTime {
    static func now() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}

/// One runner, wherever it runs (a container or a child process).
struct RunnerHandle: Sendable, Hashable {
    /// Container id, or `process-<pid>`.
    var id: String
    var name: String
    /// Host directory that holds `runner.sock` and `lock`.
    var directory: String
    var socketPath: String { directory + "/" + RunnerMount.socketName }
}

/// How a runner ended, as far as its host can tell.
enum RunnerEnd: Sendable {
    case outOfMemory
    case exited(code: Int, logTail: String)
    /// Still running: the connection broke for another reason.
    case running
    /// Removed by someone else; nothing more is known.
    case gone
}

/// Starts and stops runners. The pool does not care whether they are containers or processes; only
/// the docker host gives isolation, the process host exists for machines without Docker.
protocol RunnerHost: Sendable {
    /// Creates and starts a runner whose socket will appear in `directory`. Does not wait for it.
    func start(spec: ContainerSpec, name: String) async throws -> RunnerHandle
    /// False once the runner has exited, so a start that crashed fails fast instead of at the timeout.
    func isRunning(_ handle: RunnerHandle) async -> Bool
    /// Why the runner stopped answering; waits briefly for it to exit. `since` (Unix seconds, at or
    /// before the call or start that failed) bounds what is looked at in the daemon's event log.
    func diagnose(_ handle: RunnerHandle, since: Int64) async -> RunnerEnd
    /// Kills and removes it with its directory. Never throws: removal is best effort, and the next
    /// start's orphan sweep catches what is left.
    func destroy(_ handle: RunnerHandle) async
    func shutdown() async
}
