/// Where the verifier finds the secret of an access key id: `pylambda serve`'s key registry, or an
/// `InMemoryCredentialStore`.
///
/// It is asked only after a request passed every check that needs no secret (shape, scope, clock),
/// so a flood of stale or malformed requests costs no lookups.
public protocol CredentialStore: Sendable {
    /// The credentials of `accessKeyID`, or nil when there are none. Throw only when the store itself
    /// fails (a database error): the verifier passes that error on unchanged, as it is not the
    /// client's fault and deserves a 500, not a 403.
    func credentials(forAccessKeyID accessKeyID: String) async throws -> AWSCredentials?
}
