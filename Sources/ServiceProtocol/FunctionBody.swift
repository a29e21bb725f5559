/// A function: its latest version and how it has been used.
public struct FunctionBody: Codable, Sendable, Equatable {
    public var name: String
    public var createdAt: String
    public var latest: FunctionVersionBody
    public var versions: Int
    /// Invocations by status; only in `GET /v1/functions/{name}`.
    public var invocations: [String: Int]?

    public init(name: String, createdAt: String, latest: FunctionVersionBody, versions: Int, invocations: [String: Int]?) {
        self.name = name
        self.createdAt = createdAt
        self.latest = latest
        self.versions = versions
        self.invocations = invocations
    }

    enum CodingKeys: String, CodingKey {
        case name
        case createdAt = "created_at"
        case latest, versions, invocations
    }
}
