import AsyncHTTPClient
import NIOHTTP1
import NIOCore
import RunnerProtocol
import ServiceProtocol

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `pylambda` commands' client of a running `pylambda serve`.
struct ServiceClient {
    let server: String
    let key: String
    let http: HTTPClient

    /// What a request got back: a status, the headers that matter, the body.
    struct Answer {
        var status: Int
        var body: [UInt8]
        var invocationID: String?
        var functionVersion: String?
        var logTail: String?
        var error: ErrorBody?
        /// `X-Function-Error` was set: the failure is the function's own, whatever its type's name.
        var isTheFunctionsError = false
    }

    /// How long a connection may take to open: serve is on this machine or near it.
    static let connectTimeout: Duration = .seconds(10)
    /// How long a request other than a call or a deploy may wait for its answer.
    static let answerTimeout: Duration = .seconds(60)
    /// A call (up to its function's 900 s waiting for a container, then as long running) or a deploy
    /// (its requirements installed, its code loaded).
    static let longAnswerTimeout: Duration = .seconds(1860)
    /// The largest answer read: a result (6 MiB, more if serve's limit was raised) with room to spare.
    static let maxAnswerBytes = 80 << 20

    static func with<T>(server: String, key: String, _ body: (ServiceClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .init(connectTimeout)
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let client = ServiceClient(server: server.hasSuffix("/") ? String(server.dropLast()) : server, key: key, http: http)
        do {
            let result = try await body(client)
            try? await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        headers: [(String, String)] = [], timeout: Duration = ServiceClient.answerTimeout
    ) async throws -> Answer {
        var url = server + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(ServicePath.percentEncoded($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response: HTTPClientResponse
        let collected: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .init(timeout))
            collected = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw ServiceClientError(server: server, failure: error, timeout: timeout)
        }
        let bytes = Array(buffer: collected)
        var answer = Answer(
            status: Int(response.status.code), body: bytes, invocationID: response.headers.first(name: ServiceHeader.invocationID),
            functionVersion: response.headers.first(name: ServiceHeader.functionVersion),
            isTheFunctionsError: response.headers.first(name: ServiceHeader.functionError) != nil)
        if let tail = response.headers.first(name: ServiceHeader.logTail), let decoded = Data(base64Encoded: tail) {
            answer.logTail = String(decoding: decoded, as: UTF8.self)
        }
        if answer.status >= 400 { answer.error = try? JSONDecoder().decode(ErrorBody.self, from: Data(bytes)) }
        return answer
    }

    /// Decodes a 2xx answer, or throws the service's error.
    func decode<T: Decodable>(_ type: T.Type, _ answer: Answer) throws -> T {
        guard (200..<300).contains(answer.status) else { throw ServiceClientError.answered(answer) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(answer.body))
        } catch {
            throw ServiceClientError.unreadable("\(T.self): \(error)")
        }
    }
}

enum ServiceClientError: Error, CustomStringConvertible {
    case unreachable(server: String, reason: String)
    /// The connection closed after the request went out: serve stopped or crashed meanwhile.
    case closedBeforeAnswering(server: String)
    case noAnswer(server: String, within: Duration)
    case answered(ServiceClient.Answer)
    case unreadable(String)
    /// No `$PYLAMBDA_KEY`, and no admin key readable in this state directory.
    case noKey(stateDirectory: String)

    var description: String {
        switch self {
        case .unreachable(let server, let reason):
            return "cannot reach pylambda serve at \(server): \(reason)\nhint: start it with `pylambda serve`, or point --server (PYLAMBDA_SERVER) at it"
        case .closedBeforeAnswering(let server):
            return "pylambda serve at \(server) closed the connection before it answered: it stopped or crashed meanwhile (a call it took may have run: `pylambda invocations NAME` shows what became of it)"
        case .noAnswer(let server, let within):
            return "\(server) did not answer within \(within.components.seconds) s: is it a pylambda serve, and is it running?"
        case .answered(let answer):
            if let error = answer.error { return error.detail }
            return "HTTP \(answer.status): \(String(decoding: answer.body.prefix(500), as: UTF8.self))"
        case .unreadable(let what):
            return "unexpected answer from the service: \(what)"
        case .noKey(let state):
            return "no key: set PYLAMBDA_KEY, or give the serve's --state (\(state)/admin.key is not there or not readable by this user)"
        }
    }

    /// The same exit codes as `pylambda run`.
    var exitCode: Int32 {
        guard case .answered(let answer) = self else { return 3 }
        switch answer.status {
        case 400 where answer.error?.error.type == ServiceErrorType.invalidRequest: return 4
        case 400 where [ServiceErrorType.invalidPackage, ServiceErrorType.dependencyInstallFailed].contains(answer.error?.error.type): return 2
        case 400: return 1
        case 413: return 4
        case 429: return 5
        case 500 where [RunnerErrorType.resultNotSerializable, RunnerErrorType.resultTooLarge].contains(answer.error?.error.type): return 4
        case 500 where answer.error?.error.type == ServiceErrorType.internalError && !answer.isTheFunctionsError: return 3
        case 500: return 1
        case 502: return 137
        case 504: return 124
        case 404: return 2
        case 409: return 4
        default: return 3
        }
    }
}

extension ServiceClientError {
    /// A request that got no answer, in words that say what happened rather than the HTTP client's.
    init(server: String, failure: any Error, timeout: Duration) {
        switch failure {
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            self = .unreachable(server: server, reason: "nothing is listening there (connection refused)")
        case let error as HTTPClientError where error == .connectTimeout:
            self = .unreachable(server: server, reason: "no connection within \(ServiceClient.connectTimeout.components.seconds) s")
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            self = .closedBeforeAnswering(server: server)
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            self = .noAnswer(server: server, within: timeout)
        case is NIOTooManyBytesError:
            self = .unreadable("the answer is larger than \(ServiceClient.maxAnswerBytes >> 20) MiB")
        default:
            self = .unreachable(server: server, reason: "\(failure)")
        }
    }
}
