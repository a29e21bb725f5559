/// How the body of a request is delimited.
public enum BodyFraming: Equatable, Sendable {
    /// No body (neither Content-Length nor Transfer-Encoding).
    case none
    case length(Int)
    case chunked
}
