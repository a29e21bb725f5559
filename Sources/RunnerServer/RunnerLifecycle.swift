import EmbeddedPython
import Logging
import RunnerProtocol
import ServiceLifecycle
import Synchronization

/// Decides when the runner process should end, and with which exit code.
///
/// It ends the runner by returning from `run()`, which (configured with `.gracefullyShutdownGroup`)
/// shuts the service group down gracefully: the HTTP server stops accepting, finishes the requests in
/// flight, and only then does the process exit. So neither an idle exit nor a give-up loses a result
/// that is already on its way.
public final class RunnerLifecycle: Service, Sendable {
    private struct State {
        var lastActivity = ContinuousClock.now
        var lastFinish = ContinuousClock.now
        var inFlight = 0
        var exitCode: Int32?
    }

    private let idleTTL: Duration?
    private let readiness: @Sendable () async throws -> Void
    private let logger: Logger
    private let state = Mutex(State())
    private let pollInterval: Duration = .milliseconds(100)

    /// - Parameter readiness: what must succeed for the runner to be of any use (CPython starting);
    ///   if it throws, the runner exits with `RunnerExitCode.startupFailed`.
    public init(idleTTL: Duration?, logger: Logger, readiness: @escaping @Sendable () async throws -> Void = {}) {
        self.idleTTL = idleTTL
        self.logger = logger
        self.readiness = readiness
    }

    /// The code the process should exit with once the service group has returned.
    public var exitCode: Int32 { state.withLock { $0.exitCode ?? RunnerExitCode.clean } }

    /// Whether the caller's request is the only one in flight and came after a pause: the runner is
    /// lightly loaded, so its event loop has nothing better to do than wait for this one. (Under
    /// load, requests follow each other with no gap, and the loop has others to read.)
    var isLoneRequest: Bool {
        state.withLock { $0.inFlight == 1 && $0.lastActivity - $0.lastFinish > .microseconds(30) }
    }

    /// Brackets a `/load` or `/run`: neither counts as idle time while it runs.
    func withActivity<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock {
            $0.inFlight += 1
            $0.lastActivity = .now
        }
        defer {
            state.withLock {
                $0.inFlight -= 1
                $0.lastActivity = .now
                $0.lastFinish = $0.lastActivity
            }
        }
        return try await body()
    }

    /// Ends the runner after the responses in flight are written (the first request wins).
    func exit(code: Int32, reason: String) {
        let first = state.withLock { state in
            guard state.exitCode == nil else { return false }
            state.exitCode = code
            return true
        }
        if first { logger.warning("runner exiting", metadata: ["reason": "\(reason)", "exit_code": "\(code)"]) }
    }

    public func run() async throws {
        do {
            try await readiness()
        } catch {
            exit(code: RunnerExitCode.startupFailed, reason: "cannot start: \(error)")
            return
        }
        // Polls rather than sleeping until the idle deadline: activity moves the deadline, and a
        // tenth of a second is soon enough for an exit. SIGTERM ends the loop, not an error, so the
        // group shuts down gracefully and the invocation in flight is still answered.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            let (shouldExit, idleFor) = state.withLock { state -> (Bool, Duration) in
                (state.exitCode != nil, state.inFlight > 0 ? .zero : ContinuousClock.now - state.lastActivity)
            }
            if shouldExit { return }
            if let ttl = idleTTL, idleFor >= ttl {
                logger.info("idle for \(ttl.secondsDescription) s: exiting")
                return
            }
        }
    }
}
