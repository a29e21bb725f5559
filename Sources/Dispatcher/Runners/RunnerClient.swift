import AsyncHTTPClient
import DockerEngine
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

/// HTTP to runners over their Unix sockets. The `HTTPClient` pools keep-alive connections per socket,
/// which is what makes a warm call cost well under a millisecond. Owns the client: `shutdown()` it.
struct RunnerClient: Sendable {
    let http: HTTPClient

    init() {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 4
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// False while the socket is missing or not answering yet.
    func isHealthy(_ runner: LaunchedRunner) async -> Bool {
        var request = HTTPClientRequest(url: runner.healthURL)
        request.headers.add(name: "Host", value: "runner")
        guard let response = try? await http.execute(request, timeout: .milliseconds(500)),
            (try? await response.body.collect(upTo: 1 << 12)) != nil
        else { return false }
        return response.status.code == 200
    }

    func load(_ runner: LaunchedRunner, request: LoadRequest, timeout: Duration) async throws -> LoadResponse {
        let body = try JSONEncoder().encode(request)
        let output = try await post(runner.loadURL, body: Array(body), headers: [], timeout: timeout, maxResponseBytes: 1 << 20)
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
            runner.runURL, body: data, headers: headers, timeout: transportTimeout, maxResponseBytes: maxResponseBytes)
    }

    /// One request under one deadline for all of it: AsyncHTTPClient's own deadline stops at the
    /// response head, and a hostile function holding the connection could otherwise trickle (or never
    /// finish) the body, keeping its runner, and the call, forever.
    private func post(
        _ url: String, body: [UInt8], headers: [(String, String)], timeout: Duration, maxResponseBytes: Int
    ) async throws -> RunnerOutput {
        try await withThrowingTaskGroup(of: RunnerOutput?.self) { group in
            group.addTask {
                try await exchange(url, body: body, headers: headers, timeout: timeout, maxResponseBytes: maxResponseBytes)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let output = first else {
                throw RunnerTransportError(beforeSending: false, deadlineExceeded: true, underlying: "no whole answer within \(timeout)")
            }
            return output
        }
    }

    private func exchange(
        _ url: String, body: [UInt8], headers: [(String, String)], timeout: Duration, maxResponseBytes: Int
    ) async throws -> RunnerOutput {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.reserveCapacity(3 + headers.count)
        request.headers.add(name: "Host", value: "runner")
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        let response: HTTPClientResponse
        let collected: ByteBuffer
        do {
            response = try await http.execute(request, timeout: TimeAmount(timeout))
            collected = try await response.body.collect(upTo: maxResponseBytes)
        } catch let error as NIOTooManyBytesError {
            throw RunnerErrorResponse(status: 502, body: nil, raw: "the answer is larger than \(maxResponseBytes) bytes (\(error))")
        } catch {
            throw Self.classify(error)
        }
        var tail: String?
        if let encoded = response.headers.first(name: RunnerHeader.logTail),
            let decoded = Data(base64Encoded: encoded)
        {
            // The runner keeps 4 KiB; a runner that sends more is not believed past that.
            tail = String(decoding: decoded.suffix(Self.maxLogTailBytes), as: UTF8.self)
        }
        guard response.status.code == 200 else {
            let bytes = Array(buffer: collected)
            throw RunnerErrorResponse(
                status: Int(response.status.code),
                body: try? JSONDecoder().decode(ErrorBody.self, from: Data(bytes)),
                raw: String(decoding: bytes.prefix(2000), as: UTF8.self), logTail: tail)
        }
        return RunnerOutput(body: Array(buffer: collected), logTail: tail)
    }

    /// What the runner keeps of a call's output for `X-Log-Tail` (and Lambda's `X-Amz-Log-Result`).
    static let maxLogTailBytes = 4096

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
