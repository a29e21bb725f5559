#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EmbeddedPython
import HTTPTypes
import Hummingbird
import NIOCore
import RunnerProtocol

/// The protocol's endpoints over one `FunctionHost`.
struct RunnerRoutes<Context: RequestContext> {
    let host: FunctionHost
    let lifecycle: RunnerLifecycle
    let configuration: RunnerConfiguration
    /// The loop that serves requests (see `EventLoopTaskExecutor`).
    let eventLoop: any EventLoop

    func add(to router: Router<Context>) {
        router.get("/") { _, _ in try health() }
        router.get(RouterPath(RunnerPath.health)) { _, _ in try health() }
        router.post(RouterPath(RunnerPath.load)) { request, _ in try await load(request) }
        router.post(RouterPath(RunnerPath.run)) { request, _ in try await run(request) }
        for path in [RunnerPath.load, RunnerPath.run] {
            for method in [HTTPRequest.Method.get, .put, .patch, .delete] {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw RunnerHTTPError(.methodNotAllowed, type: RunnerErrorType.methodNotAllowed, detail: "\(path) takes POST")
                }
            }
        }
    }

    private func health() throws -> Response {
        json(try JSONEncoder().encode(HealthResponse(loaded: host.isLoaded)))
    }

    private func load(_ request: Request) async throws -> Response {
        try await lifecycle.withActivity {
            let timeout = try self.timeout(of: request)
            let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
            do {
                let loaded = try await host.load(body: body, timeout: timeout)
                return json(try JSONEncoder().encode(loaded))
            } catch let error as PythonInterpreterError {
                throw replaceRunnerIfLost(error)
            }
        }
    }

    private func run(_ request: Request) async throws -> Response {
        try await lifecycle.withActivity {
            let timeout = try self.timeout(of: request)
            let wantsTail = request.headers[.logTail]?.lowercased() == "true"
            let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
            do {
                // A lone request: keep the loop awake for about a small function's run, well under a
                // client's round trip, so that the answer does not have to wake it.
                let poller = lifecycle.isLoneRequest ? EventLoopPoller.start(on: eventLoop, for: .microseconds(300)) : nil
                defer { poller?.stop() }
                let invocation = try await host.run(body: body, timeout: timeout, logTail: wantsTail)
                var headers: HTTPFields = [.contentType: "application/json"]
                if let tail = invocation.logTail { headers[.logTail] = tail }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: invocation.payload))
            } catch let error as PythonInterpreterError {
                throw replaceRunnerIfLost(error)
            }
        }
    }

    /// An uninterruptible invocation costs the interpreter thread: answer, then exit so that whoever
    /// manages the container replaces it.
    private func replaceRunnerIfLost(_ error: PythonInterpreterError) -> PythonInterpreterError {
        switch error {
        case .unresponsive:
            lifecycle.exit(code: RunnerExitCode.unresponsive, reason: "\(error)")
        case .initializationFailed:
            lifecycle.exit(code: RunnerExitCode.startupFailed, reason: "\(error)")
        case .deadlineExceeded:
            break
        }
        return error
    }

    private func timeout(of request: Request) throws -> Duration {
        guard let header = request.headers[.timeoutMilliseconds] else { return configuration.timeout }
        guard let milliseconds = Int(header), (1...RunnerConfiguration.maxTimeoutMilliseconds).contains(milliseconds) else {
            throw RunnerHTTPError(
                .badRequest,
                type: RunnerErrorType.invalidRequest,
                detail: "\(RunnerHeader.timeoutMilliseconds) must be a whole number of milliseconds from 1 to \(RunnerConfiguration.maxTimeoutMilliseconds), not \"\(header)\""
            )
        }
        return .milliseconds(milliseconds)
    }

    private func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
