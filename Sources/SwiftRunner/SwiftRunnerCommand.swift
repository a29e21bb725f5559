#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import EmbeddedPython
import Logging
import RunnerProtocol
import RunnerServer

/// `swift-runner`: one function's runner, as a process. Parsed and run by `main.swift`.
struct SwiftRunnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-runner",
        abstract: "Serve one Python function over HTTP: POST /load it, POST /run its input.",
        discussion: """
            The function is Python source that defines `entrypoint(data)`, or a package directory with
            a handler (`handler(event, context)` works too). It runs in this process's embedded
            CPython 3.11; requests run one at a time, in arrival order, on the thread that owns it.

              curl -s localhost:8080/load -d '{"code": "def entrypoint(data):\\n    return data"}'
              curl -s localhost:8080/run -d '{"hello": "world"}'

            Environment (defaults in brackets):
              \(RunnerEnvironment.port)                     TCP port, when --port is not given [8080]
              \(RunnerEnvironment.timeout)           deadline of a /run or /load, seconds [\(RunnerConfiguration().timeout.components.seconds)];
                                       a request's X-Timeout-Ms header overrides it
              \(RunnerEnvironment.timeoutGrace)     seconds past a deadline that code blocked in C
                                       may take before the runner answers 504 and exits 124 [\(RunnerConfiguration().timeoutGrace.components.seconds)]
              \(RunnerEnvironment.idleTTL)          exit 0 after this many seconds without /load or
                                       /run; 0 or less never [\(RunnerConfiguration().idleTTL?.components.seconds ?? 0)]
              \(RunnerEnvironment.maxBodyBytes)    largest request body [\(RunnerConfiguration().maxBodyBytes)]
              \(RunnerEnvironment.maxOutputBytes)  output kept per invocation [\(RunnerConfiguration().maxOutputBytes)]
              \(RunnerEnvironment.logLevel)         trace, debug (one line per request), info [info]

            SIGTERM or SIGINT: answer the requests already received, then exit 0.
            """
    )

    /// The process's interpreter. `startInterpreter()` starts it before the arguments are parsed.
    static let interpreter = PythonInterpreter()

    /// SIGTERM and SIGINT drain the runner. They are read from a signalfd, so every thread of the
    /// process must have them blocked: they are blocked before the first thread starts.
    static let drainSignals = [SIGTERM, SIGINT]

    /// Blocks the drain signals, then starts CPython's initialisation on the interpreter thread, so
    /// that it overlaps the parse of the arguments, the logging setup and the bind: a cold start
    /// waits for both, and CPython's part is the longer (about 10 ms). Measured in the runner image
    /// (`--cpus 1`, 25 starts each, two rounds), spawn to the first `/load` answered: 33.2 -> 29.6
    /// and 34.1 -> 31.3 ms median. `--help` and a bad option exit while CPython may still start.
    /// The signals stay blocked in every mode: a SIGTERM before the runner listens drains it once it
    /// does, and `--help` or `--write-code-cache` cannot be interrupted (they end on their own).
    static func startInterpreter() {
        Runner.blockDrainSignals(drainSignals)
        interpreter.start()
    }

    @Option(help: "Address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "TCP port to listen on (default: $PORT, else 8080).")
    var port: Int?

    @Option(name: .customLong("unix-socket"), help: ArgumentHelp("Listen on a Unix socket at this path instead of TCP.", valueName: "path"))
    var unixSocket: String?

    @Option(name: .customLong("write-code-cache"), help: ArgumentHelp("Compile the runner's Python support modules into a cache file at this path, then exit (the image build does it; a runner reads \(RunnerConfiguration().supportCodeCache ?? "none")).", valueName: "path"))
    var writeCodeCache: String?

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
        if unixSocket != nil, port != nil { throw ValidationError("give --port or --unix-socket, not both") }
    }

    func run() throws {
        if let writeCodeCache {
            let bytes = try Runner.writeSupportCodeCache(to: writeCodeCache, interpreter: Self.interpreter)
            print("wrote \(bytes) bytes of support-module bytecode to \(writeCodeCache)")
            return
        }
        let environment = Self.environment()
        let level = environment[RunnerEnvironment.logLevel].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swift-runner")

        var configuration: RunnerConfiguration
        do {
            configuration = try RunnerConfiguration(environment: environment)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(RunnerExitCode.startupFailed)
        }
        if let unixSocket {
            configuration.address = .unixSocket(path: unixSocket)
        } else if let port {
            configuration.address = .tcp(host: host, port: port)
        } else if case .tcp(_, let port) = configuration.address {
            configuration.address = .tcp(host: host, port: port)
        }
        configuration.drainSignals = Self.drainSignals
        configuration.ownsProcess = true

        let runner = Runner(configuration: configuration, interpreter: Self.interpreter, logger: logger)
        do {
            try runner.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(RunnerExitCode.startupFailed)
        }
        let code = runner.wait()
        if code != RunnerExitCode.clean { throw ExitCode(code) }
    }

    /// The process environment, read without Foundation.
    private static func environment() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }
}
