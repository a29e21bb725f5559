/// Why `RequestSigner` could not sign a request.
public enum RequestSigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A presigned request must expire within 1 second to 7 days (AWS's limits).
    case expiryOutOfRange(seconds: Int)

    public var description: String {
        switch self {
        case .expiryOutOfRange(let seconds):
            return "a presigned request must expire in 1 to \(SigV4.maximumPresignedExpiry) seconds (7 days), not \(seconds)"
        }
    }
}
