#if canImport(Glibc)
import Glibc
#endif
import CLinux
import EmbeddedPython
import Logging
import PosixThreads
import RunnerHTTP
import Synchronization

/// The state the runner's two loop threads share: the epoll set, the listener, the connections, the
/// queue of requests waiting for the interpreter, and how the runner is ending.
///
/// Everything but the atomics is guarded by `baton`: only the thread that holds it (the interpreter
/// thread, or the standby while the interpreter is busy in Python) touches it. This file holds the
/// state and the events; ConnectionServing.swift answers requests, InterpreterLoop.swift runs them,
/// Draining.swift ends the runner.
final class RunnerLoop: @unchecked Sendable {
    let configuration: RunnerConfiguration
    let logger: Logger
    /// Whether one line per request is logged (decided once: the check is not free).
    let logsRequests: Bool
    let limits: HTTPLimits
    /// `configuration.timeout` and `.timeoutGrace` in the units the hot path adds up.
    let defaultTimeoutMilliseconds: Int
    let graceNanoseconds: UInt64
    let poll: EventPoll
    let baton = PollingBaton()
    let watchdog: DeadlineWatchdog
    let completion = RunnerCompletion()
    /// Whether a function is loaded: read by the standby for /healthz while the interpreter is busy.
    let isLoaded = Atomic<Bool>(false)
    /// Set by `Runner.stop()` from any thread.
    let stopRequested = Atomic<Bool>(false)

    // Guarded by the baton:
    var listener: ListeningSocket?
    private(set) var connections: [Connection?] = []
    private var generation: UInt32 = 0
    var runQueue: [Connection] = []
    /// The connection whose request is in a Python call.
    var running: Connection?
    var drain: Drain?
    var lastActivity = MonotonicInstant.now
    var signals: SignalDescriptor?

    /// Why and until when the runner is draining.
    struct Drain {
        var reason: String
        var exitCode: Int32
        /// Past it, connections still receiving a request are closed.
        var deadline: MonotonicInstant
    }

    init(configuration: RunnerConfiguration, watchdog: DeadlineWatchdog, listener: consuming ListeningSocket, logger: Logger) throws(RunnerStartError) {
        self.configuration = configuration
        self.watchdog = watchdog
        self.logger = logger
        logsRequests = logger.logLevel <= .debug
        var limits = HTTPLimits()
        limits.maxBodyBytes = configuration.maxBodyBytes
        self.limits = limits
        defaultTimeoutMilliseconds = max(1, Int(configuration.timeout.clampedNanoseconds / 1_000_000))
        graceNanoseconds = configuration.timeoutGrace.clampedNanoseconds
        poll = try EventPoll()
        try poll.add(listener.descriptor, events: UInt32(EPOLLIN.rawValue) | EPOLLET.rawValue, token: EventToken.listener)
        self.listener = consume listener
    }

    /// Which thread is handling events: the interpreter runs /load and /run itself, the standby
    /// queues them.
    enum Role {
        case interpreter
        case standby
    }

    // MARK: - Events

    /// Handles one epoll event.
    func handle(token: UInt64, events: UInt32, thread: inout LoopThread, executor: inout some RequestExecutor) {
        switch token {
        case EventToken.listener:
            acceptAll(thread: &thread, executor: &executor)
        case EventToken.wake:
            poll.clearWake()
            if stopRequested.load(ordering: .relaxed) {
                beginDrain(reason: "asked to stop", exitCode: 0, thread: &thread, executor: &executor)
            }
        case EventToken.signals:
            if let signal = signals?.read() {
                beginDrain(reason: "received \(signal == SIGINT ? "SIGINT" : "SIGTERM")", exitCode: 0, thread: &thread, executor: &executor)
            }
        default:
            guard let connection = connection(for: token) else { return }  // closed since: stale
            if events & UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                connection.inputPending = true
            }
            if events & UInt32(EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 {
                connection.hangUpReported = true
            }
            serve(connection, thread: &thread, executor: &executor)
        }
    }

    private func connection(for token: UInt64) -> Connection? {
        let descriptor = Int(EventToken.descriptor(of: token))
        guard descriptor < connections.count, let connection = connections[descriptor], connection.token == token else { return nil }
        return connection
    }

    /// Accepts every pending connection and reads what each already sent.
    func acceptAll(thread: inout LoopThread, executor: inout some RequestExecutor) {
        while let descriptor = listener?.accept() {
            generation &+= 1
            let connection = Connection(
                descriptor: descriptor,
                token: EventToken.connection(descriptor: descriptor, generation: generation),
                limits: limits
            )
            do {
                try poll.add(descriptor, events: EventPoll.connectionEvents, token: connection.token)
            } catch {
                logger.error("cannot watch a new connection: \(error)")
                Glibc.close(descriptor)
                continue
            }
            let index = Int(descriptor)
            if index >= connections.count { connections.append(contentsOf: repeatElement(nil, count: index + 1 - connections.count)) }
            connections[index] = connection
            serve(connection, thread: &thread, executor: &executor)
        }
    }

    /// Closes a connection (which also takes it out of the epoll set).
    func close(_ connection: Connection) {
        let index = Int(connection.descriptor)
        guard index < connections.count, connections[index] === connection else { return }
        connections[index] = nil
        Glibc.close(connection.descriptor)
    }

    func isOpen(_ connection: Connection) -> Bool {
        let index = Int(connection.descriptor)
        return index < connections.count && connections[index] === connection
    }

    /// The open connections (a snapshot: serving one may close it).
    var openConnections: [Connection] { connections.compactMap { $0 } }

    /// The earliest instant something time-bound is due for the interpreter's poll: the idle exit,
    /// the end of a drain, a lingering connection's end.
    func nextDeadline() -> MonotonicInstant {
        var next = MonotonicInstant.never
        if let drain {
            next = drain.deadline
        } else if let idleTTL = configuration.idleTTL {
            next = lastActivity + idleTTL
        }
        for case let connection? in connections {
            if case .lingering(let until, _) = connection.phase { next = min(next, until) }
        }
        return next
    }
}
