/// Why a request could not be read. Every case ends the connection: after it the byte stream cannot be
/// trusted to say where the next request begins.
public enum HTTPRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not HTTP/1.1 as RFC 9112 writes it (400); the text says what was wrong.
    case malformed(String)
    /// The request line and header fields are larger than `HTTPLimits.maxHeadBytes`, or there are
    /// more fields than `maxHeaderFields` (431).
    case headTooLarge(String)
    /// The body is (or says it will be) larger than `HTTPLimits.maxBodyBytes` (413).
    case bodyTooLarge
    /// A transfer coding other than `chunked` (501).
    case unsupportedTransferCoding(String)
    /// An `Expect` other than `100-continue` (417).
    case unsupportedExpectation(String)
    /// Not HTTP/1.0 or HTTP/1.1 (505).
    case unsupportedVersion

    public var status: HTTPStatus {
        switch self {
        case .malformed: .badRequest
        case .headTooLarge: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedTransferCoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        case .unsupportedVersion: .httpVersionNotSupported
        }
    }

    public var description: String {
        switch self {
        case .malformed(let why): "malformed HTTP request: \(why)"
        case .headTooLarge(let why): why
        case .bodyTooLarge: "the request body is larger than the runner's limit"
        case .unsupportedTransferCoding(let coding): "unsupported Transfer-Encoding \"\(coding)\": only chunked is understood"
        case .unsupportedExpectation(let expectation): "unsupported Expect \"\(expectation)\": only 100-continue is understood"
        case .unsupportedVersion: "only HTTP/1.1 and HTTP/1.0 are spoken here"
        }
    }
}
