import FunctionRegistry

/// A deploy's settings as either API gives them, checked against the service's limits. Each message
/// names the field the way the caller's API spells it (`memory_mb` or `MemorySize`).
struct FunctionSettingsInput: Sendable {
    var memoryMB: Int?
    var timeoutSeconds: Double?
    var concurrency: Int?
    var environment: [String: String]?
    /// `runc` or `runsc`.
    var runtime: String?

    /// The API's names for the fields, for messages.
    struct FieldNames: Sendable {
        var memory: String
        var timeout: String
        var concurrency: String
        var environment: String
        var runtime: String

        static let native = FieldNames(memory: "memory_mb", timeout: "timeout_s", concurrency: "concurrency", environment: "env", runtime: "runtime")
    }

    /// The settings, starting from `base` (the defaults, or the version being reconfigured).
    func checked(
        against limits: ServiceConfiguration.Limits, names: FieldNames, base: FunctionSettings = FunctionSettings()
    ) throws(ServiceHTTPError) -> FunctionSettings {
        var settings = base
        if let memoryMB {
            guard (limits.minMemoryMB...limits.maxMemoryMB).contains(memoryMB) else {
                throw .invalid("\(names.memory) must be from \(limits.minMemoryMB) to \(limits.maxMemoryMB) (MB), not \(memoryMB)")
            }
            settings.memoryMB = memoryMB
        }
        if let timeoutSeconds {
            guard timeoutSeconds.isFinite, timeoutSeconds >= limits.minTimeoutSeconds, timeoutSeconds <= limits.maxTimeoutSeconds else {
                throw .invalid("\(names.timeout) must be from \(Int(limits.minTimeoutSeconds)) to \(Int(limits.maxTimeoutSeconds)) seconds, not \(timeoutSeconds)")
            }
            settings.timeoutSeconds = timeoutSeconds
        }
        if let concurrency {
            guard (1...limits.maxConcurrency).contains(concurrency) else {
                throw .invalid("\(names.concurrency) must be from 1 to \(limits.maxConcurrency), not \(concurrency)")
            }
            settings.concurrency = concurrency
        }
        if let environment {
            guard environment.count <= 256 else { throw .invalid("\(names.environment): at most 256 variables") }
            for (key, value) in environment {
                guard !key.isEmpty, key.utf8.count <= 256, !key.contains("="), !key.utf8.contains(0), !value.utf8.contains(0),
                    value.utf8.count <= 4096
                else {
                    throw .invalid("\(names.environment): \(String(reflecting: key)) is not a usable variable (a name without '=' or NUL, values up to 4 KiB)")
                }
            }
            settings.environment = environment
        }
        if let runtime {
            guard let value = FunctionRuntime(rawValue: runtime) else {
                throw .invalid("\(names.runtime) must be runc or runsc, not \(String(reflecting: runtime))")
            }
            settings.runtime = value
        }
        return settings
    }
}
