import EmbeddedPython
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Logging
import RunnerProtocol
import ServiceLifecycle

/// A whole runner: the HTTP application over a `FunctionHost`, and the lifecycle that ends it.
public struct Runner: Sendable {
    public let configuration: RunnerConfiguration
    public let lifecycle: RunnerLifecycle
    public let host: FunctionHost
    let logger: Logger
    /// The one loop that does the runner's HTTP and async work.
    let eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()

    /// Starts CPython in the background; `run()` exits with `startupFailed` if it cannot start.
    public init(configuration: RunnerConfiguration, logger: Logger, interpreter: PythonInterpreter = .shared) {
        interpreter.timeoutGrace = configuration.timeoutGrace
        self.configuration = configuration
        self.logger = logger
        let host = FunctionHost(interpreter: interpreter, maxOutputBytes: configuration.maxOutputBytes)
        self.host = host
        lifecycle = RunnerLifecycle(idleTTL: configuration.idleTTL, logger: logger, readiness: host.waitUntilReady)
    }

    /// The router alone, for tests that drive the protocol in-process.
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorBodyMiddleware())
        if logger.logLevel <= .debug {
            router.add(middleware: LogRequestsMiddleware(.debug))  // one line per request
        }
        RunnerRoutes(host: host, lifecycle: lifecycle, configuration: configuration, eventLoop: eventLoop).add(to: router)
        return router
    }

    public func buildApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        let bindAddress: BindAddress
        switch configuration.address {
        case .tcp(let host, let port): bindAddress = .hostname(host, port: port)
        case .unixSocket(let path): bindAddress = .unixDomainSocket(path: path)
        }
        return Application(
            router: buildRouter(),
            configuration: .init(address: bindAddress, serverName: nil),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Serves until SIGTERM/SIGINT, the idle TTL, or a lost interpreter; returns the exit code.
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws -> Int32 {
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: buildApplication(onServerRunning: onServerRunning)),
                    .init(service: lifecycle, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        let executor = EventLoopTaskExecutor(eventLoop)
        try await withTaskExecutorPreference(executor) {
            try await group.run()
        }
        return lifecycle.exitCode
    }
}
