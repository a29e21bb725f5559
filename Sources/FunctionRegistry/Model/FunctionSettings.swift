/// The limits and environment a version runs with. Part of the immutable version: changing any of
/// them is a new deploy, so a call always runs with the settings of the version it started on.
public struct FunctionSettings: Sendable, Equatable {
    public var memoryMB = 256
    public var memoryBytes: Int64 { Int64(memoryMB) << 20 }
    /// Seconds; fractions allowed.
    public var timeoutSeconds = 60.0
    /// Containers (hence calls running at once) this function may use.
    public var concurrency = 4
    public var environment: [String: String] = [:]
    public var runtime = FunctionRuntime.runc

    public init(
        memoryMB: Int = 256, timeoutSeconds: Double = 60, concurrency: Int = 4,
        environment: [String: String] = [:], runtime: FunctionRuntime = .runc
    ) {
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.concurrency = concurrency
        self.environment = environment
        self.runtime = runtime
    }
}
