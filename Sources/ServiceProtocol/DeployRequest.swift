/// `PUT /v1/functions/{name}`: a new immutable version of the function (the function is created on
/// its first deploy). One of `code` (one Python source file) or `zip` (a package, base64) is required;
/// a package may also come as the raw body with `Content-Type: application/zip`, its settings then in
/// the query string under the same names.
public struct DeployRequest: Codable, Sendable, Equatable {
    public var code: String?
    /// A zip package, base64.
    public var zip: String?
    /// `entrypoint` by default for `code`; `main.entrypoint` for a package.
    public var handler: String?
    /// The package's requirements, when not in its `requirements.txt`.
    public var requirements: String?
    public var memoryMB: Int?
    public var timeoutSeconds: Double?
    /// Containers (so calls running at once) this function may use; more calls queue, a bounded number.
    public var concurrency: Int?
    public var environment: [String: String]?
    /// `runc` (default) or `runsc` (gVisor).
    public var runtime: String?
    public var description: String?

    public init(
        code: String? = nil, zip: String? = nil, handler: String? = nil, requirements: String? = nil,
        memoryMB: Int? = nil, timeoutSeconds: Double? = nil, concurrency: Int? = nil,
        environment: [String: String]? = nil, runtime: String? = nil, description: String? = nil
    ) {
        self.code = code
        self.zip = zip
        self.handler = handler
        self.requirements = requirements
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.concurrency = concurrency
        self.environment = environment
        self.runtime = runtime
        self.description = description
    }

    /// The body's field names: a field by any other name is refused, not dropped (`timeout` for
    /// `timeout_s` would otherwise deploy with the default timeout, silently).
    public static var fieldNames: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// The names a raw zip body's settings take in the query string: the body's, but for the code
    /// and its requirements, which are in the zip. Any other name is refused, as in the body.
    public static var queryFieldNames: [String] {
        fieldNames.filter { ![CodingKeys.code, .zip, .requirements].map(\.rawValue).contains($0) }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case code, zip, handler, requirements
        case memoryMB = "memory_mb"
        case timeoutSeconds = "timeout_s"
        case concurrency
        case environment = "env"
        case runtime, description
    }
}
