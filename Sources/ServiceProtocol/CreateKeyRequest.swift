/// `POST /v1/keys`: a new API key. The secret is in the answer once and never again.
public struct CreateKeyRequest: Codable, Sendable, Equatable {
    public var name: String
    /// `admin` (everything) or `invoke` (invoke and read invocations).
    public var scope: String
    /// An invoke key limited to this function.
    public var function: String?
    /// True: an AWS-style access key id and secret for the Lambda-compatible API (SigV4).
    public var aws: Bool?

    public init(name: String, scope: String, function: String? = nil, aws: Bool? = nil) {
        self.name = name
        self.scope = scope
        self.function = function
        self.aws = aws
    }

    /// The body's field names: a field by any other name is refused, not dropped.
    public static var fieldNames: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, scope, function, aws
    }
}
