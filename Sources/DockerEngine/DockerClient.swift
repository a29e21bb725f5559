import AsyncHTTPClient
import Logging
import NIOCore

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

/// A Docker Engine API client over the daemon's Unix socket.
///
/// It talks HTTP itself rather than shelling out to the `docker` CLI, so errors arrive as status codes
/// and JSON that can be turned into advice, and no CLI needs to be installed. It knows nothing about
/// PyLambda. The API version is negotiated once, in `connect`, as the Docker SDKs do.
///
/// Lifecycle: `connect` opens it, `shutdown()` closes its connections; call it exactly once.
public final class DockerClient: Sendable {
    public static let defaultSocketPath = "/var/run/docker.sock"

    public let socketPath: String
    /// The API version in every request path.
    public let apiVersion: DockerAPIVersion
    public let daemonVersion: DockerVersion
    let http: HTTPClient
    let logger: Logger

    /// `DOCKER_HOST=unix:///path` if set, else `/var/run/docker.sock`. TCP hosts are refused by `connect`,
    /// since a runner's socket directory is a bind mount, which only a local daemon can make.
    public static func socketPathFromEnvironment() -> String {
        if let host = getenv("DOCKER_HOST").map({ String(cString: $0) }), !host.isEmpty {
            if host.hasPrefix("unix://") { return String(host.dropFirst("unix://".count)) }
            return host
        }
        return defaultSocketPath
    }

    /// Connects and negotiates the API version with the unversioned `GET /version`.
    public static func connect(
        socketPath: String? = nil, logger: Logger = Logger(label: "pylambda.docker")
    ) async throws(DockerError) -> DockerClient {
        let path = socketPath ?? socketPathFromEnvironment()
        guard path.hasPrefix("/") else {
            throw .daemonUnreachable(
                socketPath: path, reason: "only local Unix sockets are supported (DOCKER_HOST=unix:///...)")
        }
        try checkSocket(path)
        let http = makeHTTPClient()
        do {
            let (status, body) = try await exchange(
                http: http, socketPath: path, method: .GET, path: "/version", body: nil, timeout: .seconds(10))
            guard status == 200 else { throw daemonError(status: status, body: body) }
            let version: DockerVersion
            do {
                version = try JSONDecoder().decode(DockerVersion.self, from: Data(body))
            } catch {
                throw DockerError.daemon(status: status, message: "unreadable /version answer: \(error)")
            }
            let negotiated = try DockerAPIVersion.negotiate(with: version)
            return DockerClient(
                socketPath: path, apiVersion: negotiated, daemonVersion: version, http: http, logger: logger)
        } catch {
            try? await http.shutdown()
            throw mapTransportError(error, socketPath: path)
        }
    }

    private init(
        socketPath: String, apiVersion: DockerAPIVersion, daemonVersion: DockerVersion, http: HTTPClient,
        logger: Logger
    ) {
        self.socketPath = socketPath
        self.apiVersion = apiVersion
        self.daemonVersion = daemonVersion
        self.http = http
        self.logger = logger
    }

    /// Closes the client's connections. Requests after it fail.
    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: Transport

    enum Method { case GET, POST, DELETE }

    /// One request with a JSON (or empty) body, answered with the status and the whole body.
    func send(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws(DockerError) -> (status: Int, body: [UInt8]) {
        do {
            return try await Self.exchange(
                http: http, socketPath: socketPath, method: method, path: versioned(path, query: query), body: body,
                timeout: timeout)
        } catch {
            throw Self.mapTransportError(error, socketPath: socketPath)
        }
    }

    func versioned(_ path: String, query: [(String, String)] = []) -> String {
        "/v\(apiVersion)\(path)" + UnixSocketURL.query(query)
    }

    static func exchange(
        http: HTTPClient, socketPath: String, method: Method, path: String, body: [UInt8]?, timeout: Duration
    ) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: UnixSocketURL.make(socketPath: socketPath, path: path))
        // The daemon insists on a Host header, which a Unix-socket URL does not give.
        request.headers.add(name: "Host", value: "docker")
        switch method {
        case .GET: request.method = .GET
        case .POST: request.method = .POST
        case .DELETE: request.method = .DELETE
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        // AsyncHTTPClient's deadline ends at the response head. The daemon sends some heads at once
        // and the body only when it has news (`/wait` answers when the container exits), so the
        // deadline has to cover the body too, or a "wait at most 3 s" waits as long as the container
        // runs.
        let finished = request
        return try await withThrowingTaskGroup(of: (status: Int, body: [UInt8])?.self) { group in
            group.addTask {
                let response = try await http.execute(finished, timeout: TimeAmount(timeout))
                let collected = try await response.body.collect(upTo: 64 << 20)
                return (Int(response.status.code), Array(buffer: collected))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else { throw HTTPClientError.deadlineExceeded }
            return answer
        }
    }

    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // A missing or refused socket should fail now, not be retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Checked before the first request because the transport's errors do not say which of
    /// "no daemon" and "not allowed" it was.
    static func checkSocket(_ path: String) throws(DockerError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .daemonUnreachable(socketPath: path, reason: "no socket at that path")
        }
        if access(path, R_OK | W_OK) != 0 && errno == EACCES {
            throw .permissionDenied(socketPath: path)
        }
    }

    static func mapTransportError(_ error: any Error, socketPath: String) -> DockerError {
        if let error = error as? DockerError { return error }
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return .cancelled
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case EACCES, EPERM: return .permissionDenied(socketPath: socketPath)
            default: return .daemonUnreachable(socketPath: socketPath, reason: String(describing: io))
            }
        }
        if let http = error as? HTTPClientError, http == .deadlineExceeded || http == .readTimeout {
            return .daemonUnreachable(socketPath: socketPath, reason: "the daemon did not answer in time")
        }
        return .daemonUnreachable(socketPath: socketPath, reason: String(describing: error))
    }

    static func message(_ body: [UInt8]) -> String {
        if let decoded = try? JSONDecoder().decode(DaemonErrorBody.self, from: Data(body)) { return decoded.message }
        return String(String(decoding: body.prefix(2000), as: UTF8.self).filter { $0 != "\n" && $0 != "\r" })
    }

    static func daemonError(status: Int, body: [UInt8]) -> DockerError {
        .daemon(status: status, message: message(body))
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws(DockerError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw .daemon(status: 200, message: "unreadable answer (\(T.self)): \(error)")
        }
    }
}
