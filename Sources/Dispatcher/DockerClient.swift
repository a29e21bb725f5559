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

/// A Docker Engine API client over the daemon's Unix socket. It talks HTTP itself rather than shelling
/// out to the `docker` CLI, so errors arrive as status codes and JSON that can be turned into advice,
/// and no CLI needs to be installed. Owns its `HTTPClient`: call `shutdown()` when done.
public final class DockerClient: Sendable {
    /// The newest API this client was written against; a newer daemon is asked to speak this one.
    public static let preferredAPIVersion = "1.41"
    /// Oldest daemon API that has everything used here (`NanoCpus`, `condition=not-running`, ...).
    public static let minimumAPIVersion = "1.30"
    public static let defaultSocketPath = "/var/run/docker.sock"

    public let socketPath: String
    /// The API version in every request path: the lower of the daemon's and `preferredAPIVersion`.
    public let apiVersion: String
    public let daemonVersion: DockerVersion
    private let http: HTTPClient
    private let logger: Logger

    /// `DOCKER_HOST=unix:///path` if set, else `/var/run/docker.sock`. TCP hosts are refused by `connect`
    /// since the runner's socket bind mount only works with a local daemon.
    public static func socketPathFromEnvironment() -> String {
        if let host = getenv("DOCKER_HOST").map({ String(cString: $0) }), !host.isEmpty {
            if host.hasPrefix("unix://") { return String(host.dropFirst("unix://".count)) }
            return host
        }
        return defaultSocketPath
    }

    /// Connects and negotiates the API version with `GET /version`.
    public static func connect(socketPath: String? = nil, logger: Logger = Logger(label: "pylambda.docker"))
        async throws -> DockerClient
    {
        let path = socketPath ?? socketPathFromEnvironment()
        guard path.hasPrefix("/") else {
            throw DockerError.daemonUnreachable(
                socketPath: path, reason: "only local Unix sockets are supported (DOCKER_HOST=unix:///...)")
        }
        try checkSocket(path)
        let http = makeHTTPClient()
        do {
            let (status, body) = try await rawRequest(
                http: http, socketPath: path, method: .GET, path: "/version", body: nil,
                deadline: .now() + .seconds(10))
            guard status == 200 else { throw daemonError(status: status, body: body) }
            let version = try JSONDecoder().decode(DockerVersion.self, from: Data(body))
            if compareVersions(version.ApiVersion, minimumAPIVersion) < 0 {
                throw DockerError.unsupportedAPIVersion(daemon: version.ApiVersion, minimum: minimumAPIVersion)
            }
            let negotiated =
                compareVersions(version.ApiVersion, preferredAPIVersion) < 0 ? version.ApiVersion : preferredAPIVersion
            return DockerClient(
                socketPath: path, apiVersion: negotiated, daemonVersion: version, http: http, logger: logger)
        } catch {
            try? await http.shutdown()
            throw mapTransportError(error, socketPath: path)
        }
    }

    private init(socketPath: String, apiVersion: String, daemonVersion: DockerVersion, http: HTTPClient, logger: Logger)
    {
        self.socketPath = socketPath
        self.apiVersion = apiVersion
        self.daemonVersion = daemonVersion
        self.http = http
        self.logger = logger
    }

    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// `GET /_ping`: the cheapest way to ask whether the daemon is still there.
    public func ping() async throws {
        let (status, body) = try await send(.GET, "/_ping", timeout: .seconds(5))
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
    }

    public func info() async throws -> DockerInfo {
        let (status, body) = try await send(.GET, "/info")
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return try JSONDecoder().decode(DockerInfo.self, from: Data(body))
    }

    // MARK: Containers

    /// Returns the new container's id.
    public func createContainer(name: String, _ request: ContainerCreateRequest) async throws -> String {
        let body = try JSONEncoder().encode(request)
        let (status, response) = try await send(
            .POST, "/containers/create", query: [("name", name)], body: Array(body))
        switch status {
        case 201:
            return try JSONDecoder().decode(ContainerCreateResponse.self, from: Data(response)).Id
        case 404:
            throw DockerError.imageMissing(image: request.Image)
        case 409:
            throw DockerError.nameConflict(name: name, message: Self.message(response))
        default:
            throw Self.daemonError(status: status, body: response)
        }
    }

    public func startContainer(_ id: String) async throws {
        let (status, body) = try await send(.POST, "/containers/\(id)/start")
        guard status == 204 || status == 304 else { throw containerError(id, status, body) }
    }

    public func inspectContainer(_ id: String) async throws -> ContainerInspect {
        let (status, body) = try await send(.GET, "/containers/\(id)/json")
        guard status == 200 else { throw containerError(id, status, body) }
        return try JSONDecoder().decode(ContainerInspect.self, from: Data(body))
    }

    /// Blocks until the container is not running and returns its exit code.
    public func waitContainer(_ id: String, timeout: Duration = .seconds(30)) async throws -> Int {
        let (status, body) = try await send(
            .POST, "/containers/\(id)/wait", query: [("condition", "not-running")], timeout: timeout)
        guard status == 200 else { throw containerError(id, status, body) }
        return try JSONDecoder().decode(ContainerWaitResponse.self, from: Data(body)).StatusCode
    }

    /// SIGKILL by default. A container that is not running is not an error here.
    public func killContainer(_ id: String, signal: String = "KILL") async throws {
        let (status, body) = try await send(.POST, "/containers/\(id)/kill", query: [("signal", signal)])
        if status == 204 || status == 409 { return }
        throw containerError(id, status, body)
    }

    /// Force-removes (kills first if running) with its anonymous volumes. Already gone is fine.
    public func removeContainer(_ id: String) async throws {
        let (status, body) = try await send(
            .DELETE, "/containers/\(id)", query: [("force", "true"), ("v", "true")])
        if status == 204 || status == 404 { return }
        // 409 "removal already in progress" means someone else is finishing the job.
        if status == 409, Self.message(body).contains("already in progress") { return }
        throw containerError(id, status, body)
    }

    /// All containers (running or not) carrying every one of `labels` (`key` or `key=value`).
    public func listContainers(labels: [String]) async throws -> [ContainerSummary] {
        let filters = try JSONEncoder().encode(["label": labels])
        let (status, body) = try await send(
            .GET, "/containers/json",
            query: [("all", "true"), ("filters", String(decoding: filters, as: UTF8.self))])
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return try JSONDecoder().decode([ContainerSummary].self, from: Data(body))
    }

    /// The container's recorded events with one of `actions` (`oom`, `die`, ...) from `since` (Unix
    /// seconds) until now, oldest first. Bounded by `until`, so the daemon answers at once instead of
    /// streaming; it also answers for a container that was removed meanwhile.
    public func containerEvents(_ id: String, actions: [String], since: Int64) async throws -> [DockerEvent] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = String(now.tv_nsec)
        let until = "\(now.tv_sec)." + String(repeating: "0", count: max(0, 9 - nanoseconds.count)) + nanoseconds
        let filters = try JSONEncoder().encode(["type": ["container"], "container": [id], "event": actions])
        let (status, body) = try await send(
            .GET, "/events",
            query: [
                ("since", String(min(since, Int64(now.tv_sec)))), ("until", until),
                ("filters", String(decoding: filters, as: UTF8.self)),
            ])
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return body.split(separator: UInt8(ascii: "\n")).compactMap {
            try? JSONDecoder().decode(DockerEvent.self, from: Data($0))
        }
    }

    /// The last `tail` lines of stdout and stderr, demultiplexed (containers run without a TTY).
    public func logs(_ id: String, tail: Int = 50) async throws -> String {
        let (status, body) = try await send(
            .GET, "/containers/\(id)/logs", query: [("stdout", "true"), ("stderr", "true"), ("tail", String(tail))])
        guard status == 200 else { throw containerError(id, status, body) }
        return Self.demultiplex(body)
    }

    // MARK: Images

    public func inspectImage(_ name: String) async throws -> ImageInspect {
        let (status, body) = try await send(.GET, "/images/\(UnixSocketURL.encode(name))/json")
        if status == 404 { throw DockerError.imageMissing(image: name) }
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return try JSONDecoder().decode(ImageInspect.self, from: Data(body))
    }

    /// Builds from a tar build context, handing each line of build output to `progress` as it arrives.
    /// Returns the image id.
    public func buildImage(
        context: [UInt8], tag: String, dockerfile: String = "Dockerfile", target: String? = nil,
        buildArguments: [String: String] = [:], progress: @Sendable (String) -> Void
    ) async throws -> String? {
        var query = [("t", tag), ("dockerfile", dockerfile), ("rm", "true")]
        if let target { query.append(("target", target)) }
        if !buildArguments.isEmpty {
            query.append(("buildargs", String(decoding: try JSONEncoder().encode(buildArguments), as: UTF8.self)))
        }
        var request = HTTPClientRequest(url: url("/build", query: query))
        request.headers.add(name: "Host", value: "docker")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-tar")
        request.body = .bytes(ByteBuffer(bytes: context))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .now() + .minutes(30), logger: logger)
        } catch {
            throw Self.mapTransportError(error, socketPath: socketPath)
        }
        if response.status.code != 200 {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw Self.daemonError(status: Int(response.status.code), body: Array(buffer: body))
        }
        var pending: [UInt8] = []
        var imageID: String?
        var failure: String?
        for try await chunk in response.body {
            pending += Array(buffer: chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                guard !line.isEmpty, let decoded = try? JSONDecoder().decode(BuildStreamLine.self, from: Data(line))
                else { continue }
                if let text = decoded.stream ?? decoded.status { progress(text) }
                if let id = decoded.aux?.ID { imageID = id }
                if let error = decoded.error { failure = error }
            }
        }
        if let failure { throw DockerError.buildFailed(message: failure) }
        return imageID
    }

    // MARK: Transport

    private func url(_ path: String, query: [(String, String)] = []) -> String {
        UnixSocketURL.make(socketPath: socketPath, path: "/v\(apiVersion)\(path)" + UnixSocketURL.query(query))
    }

    private func send(
        _ method: RequestMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> (Int, [UInt8]) {
        do {
            return try await Self.rawRequest(
                http: http, socketPath: socketPath, method: method,
                path: "/v\(apiVersion)\(path)" + UnixSocketURL.query(query), body: body,
                deadline: .now() + .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                    + Int64(timeout.components.attoseconds / 1_000_000_000)))
        } catch {
            throw Self.mapTransportError(error, socketPath: socketPath)
        }
    }

    private static func rawRequest(
        http: HTTPClient, socketPath: String, method: RequestMethod, path: String, body: [UInt8]?, deadline: NIODeadline
    ) async throws -> (Int, [UInt8]) {
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
        let response = try await http.execute(request, deadline: deadline)
        let collected = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Array(buffer: collected))
    }

    enum RequestMethod { case GET, POST, DELETE }

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
    static func checkSocket(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DockerError.daemonUnreachable(socketPath: path, reason: "no socket at that path")
        }
        if access(path, R_OK | W_OK) != 0 && errno == EACCES {
            throw DockerError.permissionDenied(socketPath: path)
        }
    }

    static func mapTransportError(_ error: any Error, socketPath: String) -> any Error {
        if error is DockerError || error is DecodingError { return error }
        // The calling task was cancelled: not the daemon's fault, and the caller must see it as such.
        if error is CancellationError || (error as? HTTPClientError) == .cancelled { return CancellationError() }
        if let io = error as? IOError {
            switch io.errnoCode {
            case EACCES, EPERM: return DockerError.permissionDenied(socketPath: socketPath)
            default: return DockerError.daemonUnreachable(socketPath: socketPath, reason: String(describing: io))
            }
        }
        if let http = error as? HTTPClientError {
            if http == .deadlineExceeded || http == .readTimeout {
                return DockerError.daemonUnreachable(socketPath: socketPath, reason: "the daemon did not answer in time")
            }
            return DockerError.daemonUnreachable(socketPath: socketPath, reason: String(describing: http))
        }
        if error is CancellationError { return error }
        return DockerError.daemonUnreachable(socketPath: socketPath, reason: String(describing: error))
    }

    private func containerError(_ id: String, _ status: Int, _ body: [UInt8]) -> DockerError {
        if status == 404 { return .noSuchContainer(id: id) }
        return Self.daemonError(status: status, body: body)
    }

    static func message(_ body: [UInt8]) -> String {
        if let decoded = try? JSONDecoder().decode(DaemonErrorBody.self, from: Data(body)) { return decoded.message }
        return String(String(decoding: body, as: UTF8.self).filter { $0 != "\n" && $0 != "\r" })
    }

    static func daemonError(status: Int, body: [UInt8]) -> DockerError {
        .daemon(status: status, message: message(body))
    }

    /// Engine log streams without a TTY are frames of `[stream, 0, 0, 0, size (4 bytes, big endian)]`.
    static func demultiplex(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index + 8 <= bytes.count {
            let size =
                Int(bytes[index + 4]) << 24 | Int(bytes[index + 5]) << 16 | Int(bytes[index + 6]) << 8
                | Int(bytes[index + 7])
            let start = index + 8
            let end = min(start + size, bytes.count)
            output += bytes[start..<end]
            index = end
        }
        if index == 0 && !bytes.isEmpty && bytes[0] > 2 { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: output, as: UTF8.self)
    }

    /// `1.41` vs `1.9`: numeric per component.
    static func compareVersions(_ a: String, _ b: String) -> Int {
        let left = a.split(separator: ".").map { Int($0) ?? 0 }
        let right = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(left.count, right.count) {
            let l = i < left.count ? left[i] : 0
            let r = i < right.count ? right[i] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }
}
