#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies AWS Signature Version 4 on incoming requests, as AWS does for Lambda: the signature over
/// the canonical request, the credential scope (service, region, day), the payload hash, the clock
/// skew, and the session token of temporary credentials. Both forms are accepted: the
/// `Authorization` header (boto3, the AWS CLI, every SDK) and presigned query parameters.
///
/// Pure: the request, the time and the credential store are all inputs, so the same request and
/// inputs always get the same answer.
///
/// In a Hummingbird handler, with the body read first (its hash is part of what was signed):
///
/// ```swift
/// let body = try await request.body.collect(upTo: maximumBodySize)
/// do {
///     let caller = try await verifier.verify(
///         SignableRequest(request.head, body: Array(body.readableBytesView)), now: .now, credentials: keys)
/// } catch let error as SignatureVerificationError {
///     // 403, header `x-amzn-ErrorType: \(error.awsErrorCode)`, body with `error.message`
/// }
/// ```
public struct SignatureVerifier: Sendable {
    public var configuration: SignatureVerifierConfiguration

    public init(configuration: SignatureVerifierConfiguration = .init()) {
        self.configuration = configuration
    }

    /// Accepts `request` or says why not.
    ///
    /// Checks run cheapest first, and the credential store is asked only once the request's shape,
    /// scope and clock are right. The signature is compared in constant time.
    ///
    /// - Parameters:
    ///   - now: the server's clock when the request arrived.
    /// - Throws: `SignatureVerificationError` when the request is not accepted; whatever
    ///   `credentials` throws when the store fails.
    public func verify(_ request: SignableRequest, now: Date, credentials: some CredentialStore) async throws
        -> VerifiedCaller
    {
        let found = try await admitHead(request, now: now, credentials: credentials)
        return try verify(request, now: now, credentials: found)
    }

    /// The checks the request's head alone decides, and its key: what a server runs before it reads a
    /// body, so that nobody without a valid key makes it read (and hash) megabytes. Finish with
    /// `verify(_:now:credentials:)` once the body is in; `request.payloadSHA256Hex` is not read here.
    ///
    /// - Returns: the credentials the request claims to be signed with.
    /// - Throws: `SignatureVerificationError` when the head already cannot be accepted.
    public func admitHead(_ request: SignableRequest, now: Date, credentials: some CredentialStore) async throws
        -> AWSCredentials
    {
        let claim = try SignatureClaim(parsing: request)
        try check(claim, request: request, now: now)
        guard let found = try await credentials.credentials(forAccessKeyID: claim.accessKeyID) else {
            throw SignatureVerificationError.unknownAccessKey(accessKeyID: claim.accessKeyID)
        }
        return found
    }

    /// The whole request, body hash included, against the credentials `admitHead` returned.
    public func verify(_ request: SignableRequest, now: Date, credentials: AWSCredentials) throws(SignatureVerificationError)
        -> VerifiedCaller
    {
        let claim = try SignatureClaim(parsing: request)
        try check(claim, request: request, now: now)
        guard claim.accessKeyID == credentials.accessKeyID else {
            throw .unknownAccessKey(accessKeyID: claim.accessKeyID)
        }
        return try verifySignature(of: request, claim: claim, credentials: credentials)
    }

    /// Everything that needs no secret: the scope's service, the declared payload hash, the clock.
    func check(_ claim: SignatureClaim, request: SignableRequest, now: Date) throws(SignatureVerificationError) {
        guard claim.scope.service == configuration.service else {
            throw .invalidCredentialScope("Credential should be scoped to correct service: '\(configuration.service)'.")
        }
        let declaredHashes = request.values(ofField: SigV4.Header.contentSHA256)
        guard declaredHashes.count <= 1 else {
            throw .incompleteSignature("The request has more than one X-Amz-Content-SHA256 header.")
        }
        if let declared = declaredHashes.first, !Self.isSHA256Hex(declared) {
            throw .unsignedPayload(declared: declared)
        }
        let current = SigningTimestamp(now)
        let skew = configuration.maximumClockSkew.components.seconds
        if claim.timestamp > current.adding(seconds: skew) {
            throw .signatureNotYetCurrent(
                signedAt: claim.timestamp.date, now: current.date, allowedSkew: configuration.maximumClockSkew)
        }
        switch claim.form {
        case .authorizationHeader:
            if claim.timestamp < current.adding(seconds: -skew) {
                throw .signatureExpired(
                    signedAt: claim.timestamp.date, now: current.date, allowedSkew: configuration.maximumClockSkew)
            }
        case .presignedQuery(let expiresInSeconds):
            let expiry = claim.timestamp.adding(seconds: Int64(expiresInSeconds))
            if current > expiry {
                throw .presignedRequestExpired(signedAt: claim.timestamp.date, expiresAt: expiry.date, now: current.date)
            }
        }
    }

    /// The session token, the signature, then the body against the hash it was signed with.
    func verifySignature(of request: SignableRequest, claim: SignatureClaim, credentials: AWSCredentials)
        throws(SignatureVerificationError) -> VerifiedCaller
    {
        switch (credentials.sessionToken, claim.sessionToken) {
        case (nil, nil):
            break
        case (let expected?, let given?) where constantTimeEquals(expected.utf8, given.utf8):
            break
        default:
            throw .invalidSessionToken(accessKeyID: claim.accessKeyID)
        }
        let canonical: CanonicalRequest
        switch claim.form {
        case .authorizationHeader:
            canonical = CanonicalRequest(
                request, signedHeaderNames: claim.signedHeaderNames, normalizesPath: configuration.normalizesPath)
        case .presignedQuery:
            canonical = CanonicalRequest(
                request, signedHeaderNames: claim.signedHeaderNames, normalizesPath: configuration.normalizesPath,
                omittingQueryParameter: SigV4.QueryParameter.signature)
        }
        let stringToSign = SigningKey.stringToSign(
            timestamp: claim.timestamp, scope: claim.scope, canonicalRequest: canonical)
        let expected = SigningKey(secretAccessKey: credentials.secretAccessKey, scope: claim.scope)
            .signature(for: stringToSign)
        guard constantTimeEquals(expected.utf8, claim.signature.utf8) else {
            throw .signatureMismatch(canonicalRequest: canonical.text, stringToSign: stringToSign)
        }
        // The signature covered the declared hash; the body must be the one it declares.
        if let declared = request.values(ofField: SigV4.Header.contentSHA256).first {
            let computed = request.payloadSHA256Hex
            guard declared.lowercased() == computed else {
                throw .payloadHashMismatch(declared: declared, computed: computed)
            }
        }
        return VerifiedCaller(
            accessKeyID: claim.accessKeyID, region: claim.scope.region, signedAt: claim.timestamp.date,
            form: claim.form == .authorizationHeader ? .authorizationHeader : .presignedQuery)
    }

    private static func isSHA256Hex(_ value: String) -> Bool {
        value.utf8.count == 64
            && value.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0)
            }
    }
}
