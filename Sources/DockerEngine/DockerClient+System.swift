extension DockerClient {
    /// `GET /_ping`: the cheapest way to ask whether the daemon is still there.
    public func ping() async throws(DockerError) {
        let (status, body) = try await send(.GET, "/_ping", timeout: .seconds(5))
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
    }

    public func info() async throws(DockerError) -> DockerInfo {
        let (status, body) = try await send(.GET, "/info")
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return try decode(DockerInfo.self, body)
    }
}
