import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RunnerProtocol
import Testing

/// Talks to a runner the way the dispatcher does: over TCP on 127.0.0.1 or over a Unix socket.
struct RunnerClient {
    enum Address {
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

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var error: ErrorBody? { try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)) }
    }

    func request(_ path: String, method: HTTPMethod = .POST, body: String? = nil, headers: [(String, String)] = [], timeout: TimeAmount = .seconds(30)) async throws -> Response {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func load(_ code: String) async throws -> Response {
        try await request(RunnerPath.load, body: String(decoding: try JSONEncoder().encode(LoadRequest(code: code)), as: UTF8.self))
    }

    func run(_ json: String, headers: [(String, String)] = [], timeout: TimeAmount = .seconds(30)) async throws -> Response {
        try await request(RunnerPath.run, body: json, headers: headers, timeout: timeout)
    }

    /// Polls `/healthz` until the runner answers (bounded): how a caller knows it is up.
    func waitUntilReady(within seconds: Double = 10, orExplainWith container: RunnerContainer) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let response = try? await request(RunnerPath.health, method: .GET, timeout: .seconds(1)), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the runner did not answer /healthz within \(seconds) s; exit code \(container.exitCode.map(String.init) ?? "-"), logs:\n\(container.logs)")
        throw CancellationError()
    }
}

/// A free TCP port on 127.0.0.1, for `--network host` runners. Taken from below the kernel's ephemeral
/// range, so that the other suites' listeners on port 0 cannot take it between this check and the
/// runner's bind.
func freePort() throws -> Int {
    for _ in 0..<100 {
        let port = Int.random(in: 20_000..<30_000)
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return port }
    }
    throw CancellationError()
}
