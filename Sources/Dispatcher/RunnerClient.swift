import AsyncHTTPClient
import NIOCore
import RunnerProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A runner's answer that is not a 200: the runner's structured error body when it sent one.
struct RunnerErrorResponse: Error {
    var status: Int
    var body: ErrorBody?
    var raw: String
    var logTail: String?
}

/// Transport failures talking to a runner. `beforeSending` matters: only then was the request never
/// delivered, so another runner may be tried without running user code twice.
struct RunnerTransportError: Error {
    var beforeSending: Bool
    var deadlineExceeded: Bool
    var underlying: String
}

struct RunnerOutput: Sendable {
    var body: [UInt8]
    /// Decoded `X-Log-Tail` header, when it was asked for.
    var logTail: String?
}

/// HTTP to one runner over its Unix socket. Stateless; the `HTTPClient` pools keep-alive connections
/// per socket, which is what makes a warm call cost well under a millisecond.
struct RunnerClient: Sendable {
    let http: HTTPClient

    static let maxResponseBytes = 64 << 20

    /// False while the socket is missing or not answering yet.
    func isHealthy(socketPath: String) async -> Bool {
        var info = stat()
        guard stat(socketPath, &info) == 0 else { return false }
        var request = HTTPClientRequest(url: UnixSocketURL.make(socketPath: socketPath, path: RunnerPath.health))
        request.method = .GET
        request.headers.add(name: "Host", value: "runner")
        guard let response = try? await http.execute(request, deadline: .now() + .milliseconds(500)) else {
            return false
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return response.status.code == 200
    }

    func load(socketPath: String, code: String) async throws -> LoadResponse {
        let body = try JSONEncoder().encode(LoadRequest(code: code))
        let output = try await post(
            socketPath: socketPath, path: RunnerPath.load, body: Array(body), headers: [], deadline: .now() + .seconds(60))
        do {
            return try JSONDecoder().decode(LoadResponse.self, from: Data(output.body))
        } catch {
            throw DispatcherError.protocolViolation("bad /load answer: \(String(decoding: output.body, as: UTF8.self))")
        }
    }

    func run(socketPath: String, data: [UInt8], timeout: Duration, grace: Duration, logTail: Bool) async throws
        -> RunnerOutput
    {
        let milliseconds = Int64(timeout.components.seconds) * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        var headers = [(RunnerHeader.timeoutMilliseconds, String(max(1, milliseconds)))]
        if logTail { headers.append((RunnerHeader.logTail, "true")) }
        // The runner answers 504 itself at the deadline; the transport deadline only catches a runner
        // that cannot answer at all.
        let total = timeout + grace + .seconds(3)
        let deadline = NIODeadline.now() + .nanoseconds(
            Int64(total.components.seconds) * 1_000_000_000 + total.components.attoseconds / 1_000_000_000)
        return try await post(socketPath: socketPath, path: RunnerPath.run, body: data, headers: headers, deadline: deadline)
    }

    private func post(
        socketPath: String, path: String, body: [UInt8], headers: [(String, String)], deadline: NIODeadline
    ) async throws -> RunnerOutput {
        var request = HTTPClientRequest(url: UnixSocketURL.make(socketPath: socketPath, path: path))
        request.method = .POST
        request.headers.add(name: "Host", value: "runner")
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let collected: ByteBuffer
        do {
            response = try await http.execute(request, deadline: deadline)
            collected = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch {
            throw Self.classify(error)
        }
        let bytes = Array(buffer: collected)
        var tail: String?
        if let encoded = response.headers.first(name: RunnerHeader.logTail),
            let decoded = Data(base64Encoded: encoded)
        {
            tail = String(decoding: decoded, as: UTF8.self)
        }
        guard response.status.code == 200 else {
            throw RunnerErrorResponse(
                status: Int(response.status.code),
                body: try? JSONDecoder().decode(ErrorBody.self, from: Data(bytes)),
                raw: String(decoding: bytes.prefix(2000), as: UTF8.self), logTail: tail)
        }
        return RunnerOutput(body: bytes, logTail: tail)
    }

    static func classify(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let io = error as? IOError, [ENOENT, ECONNREFUSED, ENOTSOCK, EACCES].contains(io.errnoCode) {
            return RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: String(describing: io))
        }
        if let http = error as? HTTPClientError {
            if http == .connectTimeout || http == .getConnectionFromPoolTimeout {
                return RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: String(describing: http))
            }
            if http == .deadlineExceeded || http == .readTimeout {
                return RunnerTransportError(beforeSending: false, deadlineExceeded: true, underlying: String(describing: http))
            }
            if http == .cancelled { return CancellationError() }
        }
        let text = String(describing: error)
        let refused = text.contains("Connection refused") || text.contains("No such file")
        return RunnerTransportError(beforeSending: refused, deadlineExceeded: false, underlying: text)
    }
}
