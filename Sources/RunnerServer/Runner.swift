#if canImport(Glibc)
import Glibc
#endif
import CLinux
import EmbeddedPython
import Logging
import PosixThreads
import RunnerProtocol
import ServiceLifecycle
import Synchronization

/// A whole runner: the `/load` + `/run` protocol over TCP or a Unix socket, served by the thread that
/// owns the Python interpreter (no hand-off per request), with a standby thread that answers health
/// checks while a call runs long (see `StandbyThread`).
///
/// `start()` binds and returns; the runner then serves until it drains (`stop()`, a drain signal, its
/// idle TTL) or gives up an interpreter stuck in C; `wait()` (or `exitCode`) gives its exit code.
/// As a swift-service-lifecycle `Service`, `run()` does both, and a graceful shutdown drains it.
public final class Runner: Service, Sendable {
    public let configuration: RunnerConfiguration
    private let interpreter: PythonInterpreter
    private let logger: Logger
    private let started = Mutex<Started?>(nil)
    private let hasStarted = Atomic<Bool>(false)

    private struct Started {
        let loop: RunnerLoop
        let port: Int?
    }

    /// Cheap: nothing starts until `start()`. The runner uses `interpreter` for its whole life; a
    /// process has one interpreter, and (at a time) one runner on it.
    public init(configuration: RunnerConfiguration, interpreter: PythonInterpreter, logger: Logger) {
        self.configuration = configuration
        self.interpreter = interpreter
        self.logger = logger
    }

    /// Blocks `signals` in the calling thread and in the threads it starts from then on, as
    /// `start()` does with `configuration.drainSignals`. An executable that starts a thread (its
    /// interpreter's) before `start()` calls this first, so that every thread inherits the block the
    /// runner's signalfd needs.
    public static func blockDrainSignals(_ signals: [Int32]) {
        SignalDescriptor.block(signals)
    }

    /// Binds the address, starts the standby thread, and queues the serving loop on the interpreter
    /// thread (which may still be starting CPython: connections wait in the backlog meanwhile).
    public func start() throws(RunnerStartError) {
        guard !hasStarted.exchange(true, ordering: .relaxed) else { throw .alreadyStarted }
        if !configuration.drainSignals.isEmpty { Self.blockDrainSignals(configuration.drainSignals) }
        interpreter.start()
        let listener = try ListeningSocket.bind(configuration.address)
        let port = listener.port
        let loop = try RunnerLoop(configuration: configuration, watchdog: interpreter.watchdog, listener: listener, logger: logger)
        if !configuration.drainSignals.isEmpty {
            let signals = try SignalDescriptor(configuration.drainSignals)
            try loop.poll.add(signals.descriptor, events: UInt32(EPOLLIN.rawValue), token: EventToken.signals)
            loop.signals = consume signals
        }
        let standby = StandbyThread(loop: loop)
        standby.start()
        started.withLock { $0 = Started(loop: loop, port: port) }
        logger.info("listening on \(configuration.address)")

        let logger = self.logger
        let maxOutputBytes = configuration.maxOutputBytes
        let codeCache = configuration.supportCodeCache
        let ownsProcess = configuration.ownsProcess
        interpreter.submit({ python in
            let code: Int32
            do {
                let host = try FunctionHost(
                    python, maxOutputBytes: maxOutputBytes, codeCache: codeCache, ownsProcess: ownsProcess, logger: logger)
                code = loop.runOnInterpreterThread(python, host: host)
                host.unload(python)
            } catch {
                logger.critical("cannot set up the runner's Python support module: \(error)")
                code = RunnerExitCode.startupFailed
            }
            standby.stop()
            loop.isLoaded.store(false, ordering: .relaxed)
            loop.completion.finish(code)
        }, ifUnavailable: { error in
            logger.critical("\(error)")
            standby.stop()
            loop.completion.finish(RunnerExitCode.startupFailed)
        })
    }

    /// The TCP port the runner listens on (the kernel's choice for port 0); nil before `start()` or
    /// for a Unix socket.
    public var port: Int? { started.withLock { $0?.port } }

    /// Drains the runner: the requests already received are answered, then it exits 0. From any thread.
    public func stop() {
        guard let loop = started.withLock({ $0?.loop }) else { return }
        loop.stopRequested.store(true, ordering: .relaxed)
        loop.poll.wake()
    }

    /// Blocks the calling thread until the runner is done; its exit code (`RunnerExitCode`).
    public func wait() -> Int32 {
        guard let loop = started.withLock({ $0?.loop }) else { return RunnerExitCode.startupFailed }
        return loop.completion.wait()
    }

    /// The exit code, once the runner is done.
    public var exitCode: Int32 {
        get async {
            guard let loop = started.withLock({ $0?.loop }) else { return RunnerExitCode.startupFailed }
            return await loop.completion.value
        }
    }

    /// Compiles the runner's Python support modules with `interpreter` and stores their bytecode at
    /// `path` (see `RunnerConfiguration.supportCodeCache`); the bytes written.
    public static func writeSupportCodeCache(to path: String, interpreter: PythonInterpreter) throws -> Int {
        try interpreter.performAndWait { python in
            try SupportCodeCache.write(path, modules: RunnerSupportModule.modules, python)
        }
    }

    /// Starts the runner and serves until it is done; a graceful shutdown (or cancellation) drains it.
    public func run() async throws {
        try start()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                _ = await exitCode
            } onCancel: {
                self.stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }
}
