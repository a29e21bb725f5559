/// How a runner ended, as far as its host can tell.
enum RunnerEnd: Sendable, Equatable {
    case outOfMemory
    case exited(code: Int, logTail: String)
    /// Still running: the connection broke for another reason.
    case running
    /// Removed by someone else; nothing more is known.
    case gone
}

/// Starts and stops runners. The pool does not care whether they are containers or processes; only
/// the Docker host gives isolation, the process host exists for machines without Docker.
protocol RunnerHost: Sendable {
    /// Creates and starts a runner whose socket will appear in `spec.hostSocketDirectory`, and returns
    /// its id. Does not wait for it to answer.
    func start(_ spec: ContainerSpec, directory: RunnerDirectory) async throws(DispatcherError) -> String
    /// False once the runner has exited, so a start that crashed fails fast instead of at the timeout.
    func isRunning(_ id: String) async -> Bool
    /// Why the runner stopped answering; waits briefly for it to exit. `since` (Unix seconds, at or
    /// before the call or start that failed) bounds what is looked at in the daemon's event log.
    func diagnose(_ id: String, directory: RunnerDirectory?, since: Int64) async -> RunnerEnd
    /// Kills and removes it. Never throws: removal is best effort, and the next start's sweep catches
    /// what is left.
    func destroy(_ id: String) async
    func shutdown() async
}
