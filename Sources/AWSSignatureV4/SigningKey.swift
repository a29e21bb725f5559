import Crypto

/// The key that signs for one access key, day, region and service: the secret is never used
/// directly, only through HMAC-SHA256 chained over the scope (`AWS4` + secret → date → region →
/// service → `aws4_request`). A key that leaks is only good for that scope.
struct SigningKey {
    private let key: SymmetricKey

    init(secretAccessKey: String, scope: CredentialScope) {
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for element in [scope.date, scope.region, scope.service, SigV4.scopeTerminator] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(element.utf8), using: key))
        }
        self.key = key
    }

    /// The signature of `stringToSign`, lowercase hex, as it appears in the request.
    func signature(for stringToSign: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key).hexString
    }

    /// `AWS4-HMAC-SHA256`, the timestamp, the scope and the canonical request's hash, one per line.
    static func stringToSign(timestamp: SigningTimestamp, scope: CredentialScope, canonicalRequest: CanonicalRequest)
        -> String
    {
        [SigV4.algorithm, timestamp.basicFormat, scope.description, SHA256.hash(data: Array(canonicalRequest.text.utf8)).hexString]
            .joined(separator: "\n")
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, two digits a byte.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in self {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
