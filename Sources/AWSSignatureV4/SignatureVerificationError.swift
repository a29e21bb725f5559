#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes

/// Why a request's signature was not accepted. Every case is a 403; `awsErrorCode` and `message` are
/// what AWS answers in the same situation, so that boto3 and the AWS CLI raise the same errors
/// (`e.response["Error"]["Code"]`) as against AWS itself.
public enum SignatureVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither an `Authorization` header nor `X-Amz-*` query parameters: the request is not signed.
    case missingAuthentication
    /// The `Authorization` header or the presigned query parameters are malformed or incomplete;
    /// the text says what is wrong.
    case incompleteSignature(String)
    /// No credentials have this access key id.
    case unknownAccessKey(accessKeyID: String)
    /// The request's session token is missing, unexpected, or not the one of these credentials.
    case invalidSessionToken(accessKeyID: String)
    /// The credential scope names another service, an invalid region or terminator, or a day other
    /// than the timestamp's; the text says which.
    case invalidCredentialScope(String)
    /// The request was signed more than the allowed clock skew before `now`.
    case signatureExpired(signedAt: Date, now: Date, allowedSkew: Duration)
    /// The request was signed more than the allowed clock skew after `now`.
    case signatureNotYetCurrent(signedAt: Date, now: Date, allowedSkew: Duration)
    /// A presigned request used after its `X-Amz-Expires`.
    case presignedRequestExpired(signedAt: Date, expiresAt: Date, now: Date)
    /// The signature is not the one the secret gives for this request. Carries what the server
    /// signed, which AWS also returns so that a client author can find the byte that differs.
    case signatureMismatch(canonicalRequest: String, stringToSign: String)
    /// `X-Amz-Content-SHA256` was signed, but the body that arrived has another hash.
    case payloadHashMismatch(declared: String, computed: String)
    /// `X-Amz-Content-SHA256` is not the hex SHA-256 of a body (`UNSIGNED-PAYLOAD`, a streaming
    /// mode): the body would not be covered by the signature, so it is refused.
    case unsignedPayload(declared: String)

    /// The value of AWS's `x-amzn-ErrorType` header and of the error body's `Type`.
    public var awsErrorCode: String {
        switch self {
        case .missingAuthentication: return "MissingAuthenticationTokenException"
        case .incompleteSignature: return "IncompleteSignatureException"
        case .unknownAccessKey, .invalidSessionToken: return "UnrecognizedClientException"
        case .invalidCredentialScope, .signatureExpired, .signatureNotYetCurrent, .presignedRequestExpired,
            .signatureMismatch, .payloadHashMismatch, .unsignedPayload:
            return "InvalidSignatureException"
        }
    }

    /// Always 403 Forbidden, as AWS answers authentication failures.
    public var status: HTTPResponse.Status { .forbidden }

    /// The message for the client, worded as AWS words it.
    public var message: String {
        switch self {
        case .missingAuthentication:
            return "Missing Authentication Token"
        case .incompleteSignature(let detail), .invalidCredentialScope(let detail):
            return detail
        case .unknownAccessKey, .invalidSessionToken:
            return "The security token included in the request is invalid."
        case .signatureExpired(let signedAt, let now, let skew):
            let earliest = now.addingTimeInterval(-Self.seconds(skew))
            return "Signature expired: \(Self.basic(signedAt)) is now earlier than \(Self.basic(earliest)) (\(Self.basic(now)) - \(Self.minutes(skew)))"
        case .signatureNotYetCurrent(let signedAt, let now, let skew):
            let latest = now.addingTimeInterval(Self.seconds(skew))
            return "Signature not yet current: \(Self.basic(signedAt)) is still later than \(Self.basic(latest)) (\(Self.basic(now)) + \(Self.minutes(skew)))"
        case .presignedRequestExpired(let signedAt, let expiresAt, let now):
            return "Signature expired: the request was presigned at \(Self.basic(signedAt)) and expired at \(Self.basic(expiresAt)); it is now \(Self.basic(now))."
        case .signatureMismatch(let canonicalRequest, let stringToSign):
            return """
                The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.

                The Canonical String for this request should have been
                '\(canonicalRequest)'

                The String-to-Sign should have been
                '\(stringToSign)'

                """
        case .payloadHashMismatch:
            return "The provided 'x-amz-content-sha256' header does not match what was computed."
        case .unsignedPayload(let declared):
            return "X-Amz-Content-SHA256 must be the SHA-256 of the body in hex, not \(SignatureClaim.quoted(declared)): unsigned and streaming payloads are not accepted."
        }
    }

    /// For the server's log: the code, the message, and what the client is not told.
    public var description: String {
        switch self {
        case .unknownAccessKey(let accessKeyID):
            return "\(awsErrorCode): no credentials have the access key id '\(accessKeyID)'"
        case .invalidSessionToken(let accessKeyID):
            return "\(awsErrorCode): the session token does not match the credentials of '\(accessKeyID)'"
        case .payloadHashMismatch(let declared, let computed):
            return "\(awsErrorCode): the body's SHA-256 is \(computed), X-Amz-Content-SHA256 says \(declared)"
        default:
            return "\(awsErrorCode): \(message)"
        }
    }

    private static func basic(_ date: Date) -> String { SigningTimestamp(date).basicFormat }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) * 1e-18
    }

    private static func minutes(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds % 60 == 0 ? "\(seconds / 60) min." : "\(seconds) sec."
    }
}
