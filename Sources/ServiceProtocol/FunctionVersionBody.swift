/// One immutable version of a function, as every deploy answers and `GET .../versions` lists.
public struct FunctionVersionBody: Codable, Sendable, Equatable {
    public var name: String
    public var version: Int
    /// Lower-case hex SHA-256 of the stored code (the source's UTF-8, or the zip as uploaded).
    public var codeSHA256: String
    public var codeSize: Int
    /// `source` or `zip`.
    public var kind: String
    public var handler: String
    public var memoryMB: Int
    public var timeoutSeconds: Double
    public var concurrency: Int
    /// Names of the environment variables set for it (values are not echoed back).
    public var environment: [String]
    public var runtime: String
    /// The key of its installed Python dependency set, when it has requirements.
    public var dependencySet: String?
    public var description: String
    /// RFC 3339.
    public var createdAt: String

    public init(
        name: String, version: Int, codeSHA256: String, codeSize: Int, kind: String, handler: String, memoryMB: Int,
        timeoutSeconds: Double, concurrency: Int, environment: [String], runtime: String, dependencySet: String?,
        description: String, createdAt: String
    ) {
        self.name = name
        self.version = version
        self.codeSHA256 = codeSHA256
        self.codeSize = codeSize
        self.kind = kind
        self.handler = handler
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.concurrency = concurrency
        self.environment = environment
        self.runtime = runtime
        self.dependencySet = dependencySet
        self.description = description
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, version
        case codeSHA256 = "code_sha256"
        case codeSize = "code_size"
        case kind, handler
        case memoryMB = "memory_mb"
        case timeoutSeconds = "timeout_s"
        case concurrency
        case environment = "env"
        case runtime
        case dependencySet = "dependency_set"
        case description
        case createdAt = "created_at"
    }
}
