/// A request with its signature added, and the intermediate texts it was computed from (what a
/// server's `signatureMismatch` error shows, for comparison).
public struct SignedRequest: Sendable {
    /// The request to send: with `Authorization`, `X-Amz-Date` (and `X-Amz-Security-Token`) added,
    /// or, presigned, with the `X-Amz-*` parameters appended to its query.
    public var request: SignableRequest
    public var canonicalRequest: String
    public var stringToSign: String
    /// Lowercase hex.
    public var signature: String
}
