/// Names and constants of AWS Signature Version 4 (HMAC-SHA256), shared by the signer and the verifier.
///
/// Only `AWS4-HMAC-SHA256` exists here: SigV4a (ECDSA, multi-region) is not what boto3 uses for Lambda.
public enum SigV4 {
    /// The algorithm named in the `Authorization` header and in `X-Amz-Algorithm`.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The last element of every credential scope.
    public static let scopeTerminator = "aws4_request"
    /// The longest validity a presigned request may ask for (`X-Amz-Expires`), as AWS allows: 7 days.
    public static let maximumPresignedExpiry = 604_800

    /// Header names, lowercase as they appear in a canonical request.
    enum Header {
        static let authorization = "authorization"
        static let amzDate = "x-amz-date"
        static let date = "date"
        static let host = "host"
        static let contentSHA256 = "x-amz-content-sha256"
        static let securityToken = "x-amz-security-token"
        /// What botocore never signs, because proxies and HTTP clients add, change or drop them on the
        /// way (plus `authorization`, which carries the signature itself).
        static let neverSigned: Set<String> = [
            "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
            "x-amzn-trace-id",
        ]
    }

    /// Query parameters of a presigned request (case-sensitive, as AWS reads them).
    enum QueryParameter {
        static let algorithm = "X-Amz-Algorithm"
        static let credential = "X-Amz-Credential"
        static let date = "X-Amz-Date"
        static let expires = "X-Amz-Expires"
        static let signedHeaders = "X-Amz-SignedHeaders"
        static let securityToken = "X-Amz-Security-Token"
        static let signature = "X-Amz-Signature"
    }
}
