/// What a signature is bound to besides the request: a day, a region and a service
/// (`20150830/us-east-1/lambda/aws4_request`). The signing key is derived from it, so a signature made
/// for another service or another day can never verify here.
public struct CredentialScope: Sendable, Hashable, CustomStringConvertible {
    /// `YYYYMMDD`, the UTC day of the request's timestamp.
    public var date: String
    public var region: String
    public var service: String

    public init(date: String, region: String, service: String) {
        self.date = date
        self.region = region
        self.service = service
    }

    /// `date/region/service/aws4_request`, as it appears in the string to sign.
    public var description: String { "\(date)/\(region)/\(service)/\(SigV4.scopeTerminator)" }

    /// Whether `region` could be an AWS region name. botocore refuses to sign for anything else, and
    /// the region ends up in ARNs that serve hands back, so nothing else is accepted either.
    static func isValidRegion(_ region: Substring) -> Bool {
        let bytes = Array(region.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { PercentEncoding.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }
}
