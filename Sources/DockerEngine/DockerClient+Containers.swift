#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

extension DockerClient {
    /// Creates a container and returns its id.
    public func createContainer(name: String, _ request: ContainerCreateRequest) async throws(DockerError) -> String {
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw .daemon(status: 0, message: "cannot encode the container configuration: \(error)")
        }
        let (status, response) = try await send(.POST, "/containers/create", query: [("name", name)], body: Array(body))
        switch status {
        case 201:
            return try decode(ContainerCreateResponse.self, response).id
        case 404:
            throw .imageMissing(image: request.image)
        case 409:
            throw .nameConflict(name: name, message: Self.message(response))
        default:
            throw Self.daemonError(status: status, body: response)
        }
    }

    public func startContainer(_ id: String) async throws(DockerError) {
        let (status, body) = try await send(.POST, "/containers/\(UnixSocketURL.encode(id))/start")
        guard status == 204 || status == 304 else { throw containerError(id, status, body) }
    }

    public func inspectContainer(_ id: String) async throws(DockerError) -> ContainerInspect {
        let (status, body) = try await send(.GET, "/containers/\(UnixSocketURL.encode(id))/json")
        guard status == 200 else { throw containerError(id, status, body) }
        return try decode(ContainerInspect.self, body)
    }

    /// Waits until the container is not running and returns its exit code.
    public func waitContainer(_ id: String, timeout: Duration = .seconds(30)) async throws(DockerError) -> Int {
        let (status, body) = try await send(
            .POST, "/containers/\(UnixSocketURL.encode(id))/wait", query: [("condition", "not-running")],
            timeout: timeout)
        guard status == 200 else { throw containerError(id, status, body) }
        return try decode(ContainerWaitResponse.self, body).statusCode
    }

    /// SIGKILL by default. A container that is not running is not an error here.
    public func killContainer(_ id: String, signal: String = "KILL") async throws(DockerError) {
        let (status, body) = try await send(
            .POST, "/containers/\(UnixSocketURL.encode(id))/kill", query: [("signal", signal)])
        if status == 204 || status == 409 { return }
        throw containerError(id, status, body)
    }

    /// Force-removes (kills first if running) with its anonymous volumes. Already gone is fine.
    public func removeContainer(_ id: String) async throws(DockerError) {
        let (status, body) = try await send(
            .DELETE, "/containers/\(UnixSocketURL.encode(id))", query: [("force", "true"), ("v", "true")])
        if status == 204 || status == 404 { return }
        // 409 "removal already in progress" means someone else is finishing the job.
        if status == 409, Self.message(body).contains("already in progress") { return }
        throw containerError(id, status, body)
    }

    /// All containers (running or not) carrying every one of `labels` (`key` or `key=value`).
    public func listContainers(labels: [String]) async throws(DockerError) -> [ContainerSummary] {
        let filters = String(decoding: (try? JSONEncoder().encode(["label": labels])) ?? Data(), as: UTF8.self)
        let (status, body) = try await send(.GET, "/containers/json", query: [("all", "true"), ("filters", filters)])
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return try decode([ContainerSummary].self, body)
    }

    /// The container's recorded events with one of `actions` (`oom`, `die`, ...) from `since` (Unix
    /// seconds) until now, oldest first. Bounded by `until`, so the daemon answers at once instead of
    /// streaming; it also answers for a container that was removed meanwhile.
    public func containerEvents(_ id: String, actions: [String], since: Int64) async throws(DockerError)
        -> [DockerEvent]
    {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = String(now.tv_nsec)
        let until = "\(now.tv_sec)." + String(repeating: "0", count: max(0, 9 - nanoseconds.count)) + nanoseconds
        let filters = (try? JSONEncoder().encode(["type": ["container"], "container": [id], "event": actions])) ?? Data()
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
    public func logs(_ id: String, tail: Int = 50) async throws(DockerError) -> String {
        let (status, body) = try await send(
            .GET, "/containers/\(UnixSocketURL.encode(id))/logs",
            query: [("stdout", "true"), ("stderr", "true"), ("tail", String(tail))])
        guard status == 200 else { throw containerError(id, status, body) }
        return LogStream.demultiplex(body)
    }

    func containerError(_ id: String, _ status: Int, _ body: [UInt8]) -> DockerError {
        if status == 404 { return .noSuchContainer(id: id) }
        return Self.daemonError(status: status, body: body)
    }
}
