#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging
import RunnerProtocol
import RunnerServer

/// Parsed by `main.swift`, which first makes NIO the executor of every task (see there).
struct SwiftRunnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-runner",
        abstract: "Serve one Python function over HTTP: POST /load its source, POST /run its input.",
        discussion: """
            The function is Python source that defines `entrypoint(data)`. It runs in this process's
            embedded CPython 3.11; requests run one at a time, in arrival order.

              curl -s localhost:8080/load -d '{"code": "def entrypoint(data):\\n    return data"}'
              curl -s localhost:8080/run -d '{"hello": "world"}'

            Environment (defaults in brackets):
              \(RunnerEnvironment.port)                     TCP port, when --port is not given [8080]
              \(RunnerEnvironment.timeout)           deadline of a /run or /load, seconds [60];
                                       a request's X-Timeout-Ms header overrides it
              \(RunnerEnvironment.timeoutGrace)     seconds past a deadline that code blocked in C
                                       may take before the runner answers 504 and exits 124 [2]
              \(RunnerEnvironment.idleTTL)          exit 0 after this many seconds without /load or
                                       /run; 0 or less never [60]
              \(RunnerEnvironment.maxBodyBytes)    largest request body [6291456]
              \(RunnerEnvironment.maxOutputBytes)  output kept per invocation [1048576]
              \(RunnerEnvironment.logLevel)         trace, debug (one line per request), info [info]

            SIGTERM or SIGINT: finish the invocation in flight, then exit 0.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "TCP port to listen on (default: $PORT, else 8080).")
    var port: Int?

    @Option(name: .customLong("unix-socket"), help: ArgumentHelp("Listen on a Unix socket at this path instead of TCP.", valueName: "path"))
    var unixSocket: String?

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
        if unixSocket != nil, port != nil { throw ValidationError("give --port or --unix-socket, not both") }
    }

    func serve() async throws {
        let environment = ProcessInfo.processInfo.environment
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
            // A socket left by an earlier runner in the same directory would make bind fail.
            unlink(unixSocket)
        } else if let port {
            configuration.address = .tcp(host: host, port: port)
        } else if case .tcp(_, let port) = configuration.address {
            configuration.address = .tcp(host: host, port: port)
        }

        let runner = Runner(configuration: configuration, logger: logger)
        let socketPath = unixSocket
        let code = try await runner.run { _ in
            // The dispatcher may run as another user than the runner: let it connect.
            if let socketPath { chmod(socketPath, 0o666) }
        }
        if code != RunnerExitCode.clean { throw ExitCode(code) }
    }
}
