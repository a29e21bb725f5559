import Crypto
import HTTPTypes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of an HTTP request that SigV4 signs, exactly as they travel.
///
/// `path` and `query` are raw: percent-encoded as the client sent them, never decoded. Decoding and
/// re-encoding would lose the difference between `a%2Fb` and `a/b`, and the signature covers exactly
/// that difference.
///
/// The body is represented by its SHA-256 only, so a server can hash a body as it streams in.
public struct SignableRequest: Sendable {
    /// As sent (`GET`, `POST`, ...); not case-folded.
    public var method: String
    /// The host (and port) the client addressed. Used as the `host` header when `headerFields` has
    /// none: SwiftNIO's conversion to `HTTPRequest` moves HTTP/1's `Host` header here.
    public var authority: String?
    /// The raw path, e.g. `/2015-03-31/functions/my-function%3Aprod/invocations`.
    public var path: String
    /// The raw query without its `?`; empty when there is none.
    public var query: String
    /// Every header field as received, repeated fields and their order included.
    public var headerFields: HTTPFields
    /// SHA-256 of the body as received (of nothing, for a request without a body), lowercase hex.
    public var payloadSHA256Hex: String

    public init(
        method: String, authority: String? = nil, path: String, query: String = "", headerFields: HTTPFields,
        payloadSHA256: SHA256Digest
    ) {
        self.method = method
        self.authority = authority
        self.path = path
        self.query = query
        self.headerFields = headerFields
        self.payloadSHA256Hex = payloadSHA256.hexString
    }

    /// Hashes `body`; pass an empty collection for a request without one.
    public init(
        method: String, authority: String? = nil, path: String, query: String = "", headerFields: HTTPFields,
        body: some DataProtocol
    ) {
        self.init(
            method: method, authority: authority, path: path, query: query, headerFields: headerFields,
            payloadSHA256: SHA256.hash(data: body))
    }

    /// The request as a server framework built on swift-http-types (Hummingbird) hands it over:
    /// `request.path` is the raw request target, split here at its first `?`.
    public init(_ request: HTTPRequest, payloadSHA256: SHA256Digest) {
        let target = request.path ?? ""
        let (path, query) = Self.split(target: target)
        self.init(
            method: request.method.rawValue, authority: request.authority, path: path, query: query,
            headerFields: request.headerFields, payloadSHA256: payloadSHA256)
    }

    /// Hashes `body`; see `init(_:payloadSHA256:)`.
    public init(_ request: HTTPRequest, body: some DataProtocol) {
        self.init(request, payloadSHA256: SHA256.hash(data: body))
    }

    /// `path?query`, or the path alone when there is no query.
    public var target: String { query.isEmpty ? path : "\(path)?\(query)" }

    /// Splits a raw request target at its first `?`.
    public static func split(target: String) -> (path: String, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// All values of the field `name` (lowercase), in order; `host` falls back to `authority`.
    func values(ofField name: String) -> [String] {
        guard let fieldName = HTTPField.Name(name) else { return [] }
        let values = headerFields[values: fieldName]
        if values.isEmpty, name == SigV4.Header.host, let authority {
            return [authority]
        }
        return values
    }
}
