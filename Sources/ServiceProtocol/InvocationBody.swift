/// `GET /v1/invocations/{id}`: the record of one call, sync or async.
public struct InvocationBody: Codable, Sendable, Equatable {
    public var id: String
    public var function: String
    public var version: Int
    /// `sync` or `async`.
    public var mode: String
    /// `queued`, `running`, `succeeded`, `failed`, `timed_out`, `interrupted` or `cancelled`.
    public var status: String
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?
    public var durationMS: Double?
    public var error: ErrorDescription?
    public var logTail: String?
    /// The JSON result of an async call that succeeded, as the function returned it.
    public var result: JSONValue?
    /// The serve process that runs or ran it; on a queued call, the one that took it and waits for a
    /// runner for it.
    public var instance: String?

    public struct ErrorDescription: Codable, Sendable, Equatable {
        public var type: String
        public var message: String
        public init(type: String, message: String) {
            self.type = type
            self.message = message
        }
    }

    public init(
        id: String, function: String, version: Int, mode: String, status: String, createdAt: String,
        startedAt: String?, finishedAt: String?, durationMS: Double?, error: ErrorDescription?, logTail: String?,
        result: JSONValue?, instance: String? = nil
    ) {
        self.id = id
        self.function = function
        self.version = version
        self.mode = mode
        self.status = status
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMS = durationMS
        self.error = error
        self.logTail = logTail
        self.result = result
        self.instance = instance
    }

    enum CodingKeys: String, CodingKey {
        case id, function, version, mode, status
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMS = "duration_ms"
        case error
        case logTail = "log_tail"
        case result, instance
    }
}
