import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RunnerProtocol
import Testing

/// Talks to a runner as the dispatcher does: AsyncHTTPClient over TCP on 127.0.0.1 or a Unix socket.
struct TestClient: Sendable {
    enum Address: Sendable {
        case tcp(port: Int)
        case unixSocket(path: String)
    }

    let address: Address

    func url(_ path: String) -> String {
        switch address {
        case .tcp(let port): "http://127.0.0.1:\(port)\(path)"
        case .unixSocket(let socket): "http+unix://\(socket.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)\(path)"
        }
    }

    func execute(uri path: String, method: HTTPMethod, headers: [(String, String)] = [], body: String? = nil, timeout: TimeAmount = .seconds(60)) async throws -> TestResponse {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return TestResponse(status: response.status, headers: response.headers, body: Data(bytes.readableBytesView))
    }

    @discardableResult
    func post(_ path: String, _ body: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await execute(uri: path, method: .POST, headers: headers, body: body)
    }

    func get(_ path: String) async throws -> TestResponse {
        try await execute(uri: path, method: .GET)
    }

    func load(_ code: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await load(LoadRequest(code: code), headers: headers)
    }

    func load(_ request: LoadRequest, headers: [(String, String)] = []) async throws -> TestResponse {
        try await post(RunnerPath.load, String(decoding: try JSONEncoder().encode(request), as: UTF8.self), headers: headers)
    }

    /// Loads and fails the test unless it loaded.
    func mustLoad(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await mustLoad(LoadRequest(code: code), sourceLocation: sourceLocation)
    }

    func mustLoad(_ request: LoadRequest, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await load(request)
        #expect(response.status == .ok, "load failed: \(response.text)", sourceLocation: sourceLocation)
    }

    func run(_ json: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await post(RunnerPath.run, json, headers: headers)
    }
}

struct TestResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? { headers.first(name: name) }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }

    /// The protocol's error body; fails the test if the body is not one.
    func errorBody(sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorBody {
        #expect(header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(ErrorBody.self, from: body)
    }
}
