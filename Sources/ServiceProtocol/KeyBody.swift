/// A key as listed, and (with its secret) as created.
public struct KeyBody: Codable, Sendable, Equatable {
    public var name: String
    public var scope: String
    public var function: String?
    /// `bearer` or `aws`.
    public var kind: String
    public var createdAt: String
    public var revokedAt: String?
    /// The bearer secret, only in the answer to its creation.
    public var key: String?
    public var accessKeyID: String?
    /// The AWS secret access key, only in the answer to its creation.
    public var secretAccessKey: String?

    public init(
        name: String, scope: String, function: String?, kind: String, createdAt: String, revokedAt: String?,
        key: String? = nil, accessKeyID: String? = nil, secretAccessKey: String? = nil
    ) {
        self.name = name
        self.scope = scope
        self.function = function
        self.kind = kind
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.key = key
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    enum CodingKeys: String, CodingKey {
        case name, scope, function, kind
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
        case key
        case accessKeyID = "access_key_id"
        case secretAccessKey = "secret_access_key"
    }
}
