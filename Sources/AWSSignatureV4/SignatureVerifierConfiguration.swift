/// What a `SignatureVerifier` accepts; the defaults are AWS Lambda's.
public struct SignatureVerifierConfiguration: Sendable {
    /// The service a credential scope must name: `lambda` is what boto3's Lambda client signs for.
    public var service: String = "lambda"
    /// How far a request's timestamp may be from the server's clock, either way. AWS allows 5 minutes:
    /// enough for unsynchronized clocks, short enough that a captured request cannot be replayed for long.
    public var maximumClockSkew: Duration = .seconds(300)
    /// Whether the path is normalized (dot segments and empty segments removed) before it is signed,
    /// as every AWS service but S3 does. False only to verify S3-style signatures.
    ///
    /// Normalizing means `/a/../b` carries the signature of `/b`: a server should route a path that
    /// has `.`/`..` segments only as its normalized form, or refuse it, never as written.
    public var normalizesPath: Bool = true

    public init() {}
}
