/// `GET /info`: what the daemon can enforce (which decides whether the hardening holds) and which
/// OCI runtimes it has (`runc`, and `runsc` when gVisor is registered).
public struct DockerInfo: Decodable, Sendable {
    public var serverVersion: String?
    public var memoryLimit: Bool?
    public var swapLimit: Bool?
    public var pidsLimit: Bool?
    public var cpuCfsQuota: Bool?
    public var cgroupVersion: String?
    public var securityOptions: [String]?
    public var defaultRuntime: String?
    /// Registered runtimes by name.
    public var runtimes: [String: Runtime]?

    public struct Runtime: Decodable, Sendable {
        public var path: String?
        public var runtimeArguments: [String]?

        enum CodingKeys: String, CodingKey {
            case path
            case runtimeArguments = "runtimeArgs"
        }
    }

    enum CodingKeys: String, CodingKey {
        case serverVersion = "ServerVersion"
        case memoryLimit = "MemoryLimit"
        case swapLimit = "SwapLimit"
        case pidsLimit = "PidsLimit"
        case cpuCfsQuota = "CpuCfsQuota"
        case cgroupVersion = "CgroupVersion"
        case securityOptions = "SecurityOptions"
        case defaultRuntime = "DefaultRuntime"
        case runtimes = "Runtimes"
    }
}
