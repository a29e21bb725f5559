#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who signed a request that verified, and for what.
public struct VerifiedCaller: Sendable, Hashable {
    public enum AuthenticationForm: Sendable, Hashable {
        /// An `Authorization` header, as boto3 and the AWS CLI send.
        case authorizationHeader
        /// A presigned URL (`X-Amz-Signature` in the query).
        case presignedQuery
    }

    public var accessKeyID: String
    /// The region the client signed for. Any valid region name is accepted, so a server that builds
    /// ARNs answers with the region the client believes it talks to.
    public var region: String
    /// The request's timestamp (`X-Amz-Date` or `Date`), to the second.
    public var signedAt: Date
    public var form: AuthenticationForm

    public init(accessKeyID: String, region: String, signedAt: Date, form: AuthenticationForm) {
        self.accessKeyID = accessKeyID
        self.region = region
        self.signedAt = signedAt
        self.form = form
    }
}
