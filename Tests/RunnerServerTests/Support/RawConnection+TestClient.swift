import RawConnectionTesting

extension RawConnection {
    /// A plain socket to the runner a `TestClient` talks to.
    convenience init(_ address: TestClient.Address, timeoutSeconds: Int = 20) throws {
        switch address {
        case .tcp(let port): try self.init(RawConnection.Address.tcp(port: port), timeoutSeconds: timeoutSeconds)
        case .unixSocket(let path): try self.init(RawConnection.Address.unixSocket(path: path), timeoutSeconds: timeoutSeconds)
        }
    }
}
