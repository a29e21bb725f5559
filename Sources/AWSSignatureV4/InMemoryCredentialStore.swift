/// A fixed set of credentials, for tests and for a server with keys from its configuration.
public struct InMemoryCredentialStore: CredentialStore {
    private let credentialsByAccessKeyID: [String: AWSCredentials]

    /// When two credentials share an access key id, the last one wins.
    public init(_ credentials: [AWSCredentials]) {
        self.credentialsByAccessKeyID = Dictionary(credentials.map { ($0.accessKeyID, $0) }, uniquingKeysWith: { $1 })
    }

    public func credentials(forAccessKeyID accessKeyID: String) async -> AWSCredentials? {
        credentialsByAccessKeyID[accessKeyID]
    }
}
