import ArgumentParser
import Dispatcher
import FunctionService
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve named, versioned functions over HTTP (and the AWS Lambda API).",
        discussion: """
            Every request but GET /healthz needs `Authorization: Bearer <key>`. The admin key is $PYLAMBDA_ADMIN_KEY, or the first start makes one and writes it to STATE/admin.key (mode 0600). The registry is SQLite in the state directory, or PostgreSQL with --database, which several serve processes may share.

              pylambda serve &
              pylambda deploy fib examples/fibonacci.py
              curl -H "Authorization: Bearer $(cat /var/lib/pylambda/admin.key)" localhost:8900/v1/functions/fib/invoke -d '{"n": 10}'

            SIGTERM stops accepting, lets calls in flight finish, leaves queued async calls queued, removes the containers, and exits 0.
            """)

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port (default: $PORT, else 8900).")
    var port: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("State directory: the SQLite registry, admin.key, packages, dependency sets and runners (default /var/lib/pylambda for root, else ~/.local/share/pylambda).", valueName: "DIR"),
        transform: StateDirectoryOption.absolute)
    var state: String = ServiceConfiguration.defaultStateDirectory

    @Option(name: .long, help: ArgumentHelp("postgres://user:password@host:port/database (default: SQLite in the state directory).", valueName: "URL"))
    var database: String?

    @Option(name: .long, help: "Runner image.")
    var image = DispatcherConfiguration.defaultImage

    @Option(name: .long, help: "Generic runners kept ready for new code.")
    var warmPool = 2

    @Option(name: .long, help: "Containers in total.")
    var maxContainers = 16

    @Option(name: .long, help: "Calls of one function that may wait for a container before more are refused (429).")
    var maxQueued = 64

    @Flag(name: .long, help: "Let a deployed requirements.txt name its own index (--index-url, --extra-index-url, --find-links): off, because callers would choose what the host fetches, and a page of theirs may link wheels in files on the host (file:// URLs); the service's PIP_*/UV_* index settings always apply.")
    var allowRequirementsIndexOptions = false

    @Option(name: .long, help: ArgumentHelp("Close a connection with no request in progress after this many seconds (1 to 86400; 0: never). A call being answered is never cut.", valueName: "SECONDS"))
    var idleTimeout = 75.0

    @Option(name: .long, help: ArgumentHelp("Delete the records of ended calls (async results included) this long after they ended: 30m, 12h, 7d (default), or 0 to keep them.", valueName: "AGE"))
    var keepInvocations = "7d"

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "LEVEL"))
    var logLevel = "info"

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        guard let keep = AgeArgument.seconds(keepInvocations), keep == 0 || (keep >= 1 && keep <= 36_500 * 86_400) else {
            throw ValidationError("--keep-invocations takes 0 or an age from 1s to 36500d, with s, m, h or d, such as 7d")
        }
        if !(idleTimeout == 0 || (idleTimeout >= 1 && idleTimeout <= 86_400)) {
            throw ValidationError("--idle-timeout must be 0 (never) or from 1 to 86400 seconds")
        }
        if warmPool < 0 || maxContainers < 1 || maxQueued < 0 {
            throw ValidationError("--warm-pool and --max-queued must be 0 or more, --max-containers at least 1")
        }
    }

    func run() async throws {
        EventLoopCount.fitToAffinity()
        var configuration = ServiceConfiguration()
        configuration.host = host
        configuration.port = port ?? getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 8900
        configuration.stateDirectory = state
        configuration.idleConnectionTimeout = idleTimeout == 0 ? nil : .milliseconds(Int64((idleTimeout * 1000).rounded()))
        let keep = AgeArgument.seconds(keepInvocations) ?? 0
        configuration.invocationRetention = keep == 0 ? nil : .milliseconds(Int64((keep * 1000).rounded()))
        if let database { configuration.database = .postgres(url: database) }
        configuration.adminKey = getenv("PYLAMBDA_ADMIN_KEY").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        configuration.allowIndexOptionsInRequirements = allowRequirementsIndexOptions
        configuration.dispatcher.image = image
        configuration.dispatcher.warmPoolSize = warmPool
        configuration.dispatcher.maxContainers = maxContainers
        configuration.dispatcher.maxQueuedInvocationsPerFunction = maxQueued
        configuration.logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        configuration.dispatcher.logger.logLevel = configuration.logger.logLevel
        let service: FunctionService
        do {
            service = try FunctionService(configuration: configuration)
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
        do {
            try await service.run()
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
    }
}
