#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes

/// Signs requests with AWS Signature Version 4, as botocore does: every header present is signed
/// (but those proxies may change, see `SigV4.Header.neverSigned`), the body's hash goes in the
/// canonical request, and the path is normalized and encoded a second time.
///
/// For clients of `pylambda serve` written in Swift, and for tests: a request it signs verifies with
/// `SignatureVerifier`, and its canonical requests are those of AWS's test suite.
public struct RequestSigner: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// See `SignatureVerifierConfiguration.normalizesPath`.
    public var normalizesPath: Bool = true

    public init(credentials: AWSCredentials, region: String, service: String = "lambda") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials only) and `Authorization`,
    /// replacing any already there. The request needs a `Host` field or an `authority`: the host is
    /// always signed.
    public func sign(_ request: SignableRequest, at date: Date) -> SignedRequest {
        let timestamp = SigningTimestamp(date)
        var request = request
        for name in [SigV4.Header.authorization, SigV4.Header.amzDate, SigV4.Header.securityToken] {
            request.headerFields[HTTPField.Name(name)!] = nil
        }
        request.headerFields[HTTPField.Name("X-Amz-Date")!] = timestamp.basicFormat
        if let token = credentials.sessionToken {
            request.headerFields[HTTPField.Name("X-Amz-Security-Token")!] = token
        }
        let scope = CredentialScope(date: timestamp.day, region: region, service: service)
        let canonical = CanonicalRequest(
            request, signedHeaderNames: Self.signableHeaderNames(of: request), normalizesPath: normalizesPath)
        let stringToSign = SigningKey.stringToSign(timestamp: timestamp, scope: scope, canonicalRequest: canonical)
        let signature = SigningKey(secretAccessKey: credentials.secretAccessKey, scope: scope)
            .signature(for: stringToSign)
        request.headerFields[.authorization] =
            "\(SigV4.algorithm) Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return SignedRequest(
            request: request, canonicalRequest: canonical.text, stringToSign: stringToSign, signature: signature)
    }

    /// Appends the `X-Amz-*` parameters of a presigned request to the query (replacing any already
    /// there), valid for `expiresIn` seconds.
    ///
    /// - Throws: `RequestSigningError.expiryOutOfRange` unless `expiresIn` is 1 to 604800 (7 days).
    public func presign(_ request: SignableRequest, at date: Date, expiresIn seconds: Int)
        throws(RequestSigningError) -> SignedRequest
    {
        guard (1...SigV4.maximumPresignedExpiry).contains(seconds) else {
            throw .expiryOutOfRange(seconds: seconds)
        }
        let timestamp = SigningTimestamp(date)
        let scope = CredentialScope(date: timestamp.day, region: region, service: service)
        var request = request
        request.query = Self.removingPresignParameters(from: request.query)
        let signedHeaders = Self.signableHeaderNames(of: request).sorted().joined(separator: ";")
        typealias Name = SigV4.QueryParameter
        var parameters = [
            (Name.algorithm, SigV4.algorithm),
            (Name.credential, "\(credentials.accessKeyID)/\(scope)"),
            (Name.date, timestamp.basicFormat),
            (Name.expires, String(seconds)),
            (Name.signedHeaders, signedHeaders),
        ]
        if let token = credentials.sessionToken {
            parameters.append((Name.securityToken, token))
        }
        let encoded = parameters.map { "\($0.0)=\(PercentEncoding.encode($0.1.utf8))" }.joined(separator: "&")
        request.query = request.query.isEmpty ? encoded : "\(request.query)&\(encoded)"
        let canonical = CanonicalRequest(
            request, signedHeaderNames: Self.signableHeaderNames(of: request), normalizesPath: normalizesPath)
        let stringToSign = SigningKey.stringToSign(timestamp: timestamp, scope: scope, canonicalRequest: canonical)
        let signature = SigningKey(secretAccessKey: credentials.secretAccessKey, scope: scope)
            .signature(for: stringToSign)
        request.query += "&\(Name.signature)=\(signature)"
        return SignedRequest(
            request: request, canonicalRequest: canonical.text, stringToSign: stringToSign, signature: signature)
    }

    private static let presignParameters: Set<String> = [
        SigV4.QueryParameter.algorithm, SigV4.QueryParameter.credential, SigV4.QueryParameter.date,
        SigV4.QueryParameter.expires, SigV4.QueryParameter.signedHeaders, SigV4.QueryParameter.securityToken,
        SigV4.QueryParameter.signature,
    ]

    /// The raw query without the parameters `presign` adds, so that presigning twice replaces them.
    static func removingPresignParameters(from query: String) -> String {
        query.split(separator: "&").filter { component in
            let name = component.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return !presignParameters.contains(String(decoding: PercentEncoding.decode(name.utf8), as: UTF8.self))
        }.joined(separator: "&")
    }

    /// The lowercase names of all header fields that may be signed, `host` included when it comes
    /// from the authority.
    static func signableHeaderNames(of request: SignableRequest) -> Set<String> {
        var names = Set(request.headerFields.map { $0.name.canonicalName })
        if request.authority != nil {
            names.insert(SigV4.Header.host)
        }
        return names.subtracting(SigV4.Header.neverSigned)
    }
}
