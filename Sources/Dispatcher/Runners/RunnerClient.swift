import NIOCore
import RunnerProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A runner's answer that is not a 200: the runner's structured error body when it sent one. It comes
/// from inside the container, so it is only ever read, never acted on beyond its status and type.
struct RunnerErrorResponse: Error {
    var status: Int
    var body: ErrorBody?
    var raw: String
    var logTail: String?
    /// The runner said the failure is the function's (`X-Function-Error`): its type is then the
    /// function's own name, which may be anything, `Timeout` or `InternalError` included.
    var isFunctionError = false
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

/// HTTP to runners over their Unix sockets, on keep-alive connections (`RunnerConnectionPool`), which
/// is what makes a warm call cost well under a millisecond. Owns its connections: `shutdown()` it.
struct RunnerClient: Sendable {
    let connections: RunnerConnectionPool

    init() {
        connections = RunnerConnectionPool()
    }

    func shutdown() async {
        await connections.shutdown()
    }

    /// False while the socket is missing or not answering yet.
    func isHealthy(_ runner: LaunchedRunner) async -> Bool {
        var request = ByteBuffer()
        request.writeString("GET \(RunnerPath.health) HTTP/1.1\r\nHost: runner\r\n\r\n")
        let response = try? await connections.exchange(
            socketPath: runner.socketPath, request: request, deadline: .now() + .milliseconds(500), maxBodyBytes: 1 << 12)
        return response?.status == 200
    }

    /// `timeoutHeader` is the function's timeout (milliseconds), which its module's code gets too: a
    /// runner from the warm pool was started before anyone knew the function, with a default of its own.
    func load(_ runner: LaunchedRunner, request: LoadRequest, timeoutHeader: String, transportTimeout: Duration) async throws -> LoadResponse {
        let body = try JSONEncoder().encode(request)
        let output = try await post(
            runner, path: RunnerPath.load, body: Array(body), headers: [(RunnerHeader.timeoutMilliseconds, timeoutHeader)],
            timeout: transportTimeout, maxResponseBytes: 1 << 20)
        do {
            return try JSONDecoder().decode(LoadResponse.self, from: Data(output.body))
        } catch {
            throw RunnerErrorResponse(
                status: 200, body: nil, raw: "bad /load answer: \(String(decoding: output.body.prefix(500), as: UTF8.self))")
        }
    }

    /// The runner answers 504 itself at the deadline; the transport deadline (deadline + grace + a few
    /// seconds) catches a runner that cannot answer at all, or one whose function answers for it.
    func run(
        _ runner: LaunchedRunner, data: [UInt8], timeoutHeader: String, transportTimeout: Duration, logTail: Bool,
        invocationID: String?, maxResponseBytes: Int
    ) async throws -> RunnerOutput {
        var headers = [(RunnerHeader.timeoutMilliseconds, timeoutHeader)]
        if logTail { headers.append((RunnerHeader.logTail, "true")) }
        if let invocationID { headers.append((RunnerHeader.invocationID, invocationID)) }
        return try await post(
            runner, path: RunnerPath.run, body: data, headers: headers, timeout: transportTimeout, maxResponseBytes: maxResponseBytes)
    }

    /// One request under one deadline for all of it, answer body included.
    private func post(
        _ runner: LaunchedRunner, path: String, body: [UInt8], headers: [(String, String)], timeout: Duration, maxResponseBytes: Int
    ) async throws -> RunnerOutput {
        var request = ByteBuffer()
        request.reserveCapacity(256 + body.count)
        // Written piece by piece: no string is built for it on a warm call.
        request.writeStaticString("POST ")
        request.writeString(path)
        request.writeStaticString(" HTTP/1.1\r\nHost: runner\r\nContent-Type: application/json\r\nContent-Length: ")
        request.writeString(String(body.count))
        request.writeStaticString("\r\n")
        for (name, value) in headers {
            // Every value is made here or checked by the dispatcher; a control character would split
            // the request.
            guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: "a header value holds a control character")
            }
            request.writeString(name)
            request.writeStaticString(": ")
            request.writeString(value)
            request.writeStaticString("\r\n")
        }
        request.writeStaticString("\r\n")
        request.writeBytes(body)
        let response = try await connections.exchange(
            socketPath: runner.socketPath, request: request, deadline: .now() + TimeAmount(timeout), maxBodyBytes: maxResponseBytes)
        var tail: String?
        if let encoded = response.logTail, let decoded = Data(base64Encoded: encoded) {
            // The runner keeps 4 KiB; a runner that sends more is not believed past that.
            tail = String(decoding: decoded.suffix(Self.maxLogTailBytes), as: UTF8.self)
        }
        guard response.status == 200 else {
            throw RunnerErrorResponse(
                status: response.status,
                body: try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body)),
                raw: String(decoding: response.body.prefix(2000), as: UTF8.self), logTail: tail, isFunctionError: response.isFunctionError)
        }
        return RunnerOutput(body: response.body, logTail: tail)
    }

    /// What the runner keeps of a call's output for `X-Log-Tail` (and Lambda's `X-Amz-Log-Result`).
    static let maxLogTailBytes = 4096
}
