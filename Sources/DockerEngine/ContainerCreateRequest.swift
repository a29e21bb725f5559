/// `POST /containers/create`: the part of the container configuration this client sets.
///
/// Every field here exists since API 1.25 or earlier, below `DockerAPIVersion.oldestSupported`, so the
/// same body is valid for every version the client negotiates; nil fields are left out of the JSON.
public struct ContainerCreateRequest: Codable, Sendable, Equatable {
    public var image: String
    public var command: [String]?
    public var environment: [String]?
    public var labels: [String: String]?
    public var user: String?
    public var workingDirectory: String?
    public var networkDisabled: Bool?
    public var hostConfiguration: HostConfiguration

    public init(image: String, hostConfiguration: HostConfiguration = HostConfiguration()) {
        self.image = image
        self.hostConfiguration = hostConfiguration
    }

    enum CodingKeys: String, CodingKey {
        case image = "Image"
        case command = "Cmd"
        case environment = "Env"
        case labels = "Labels"
        case user = "User"
        case workingDirectory = "WorkingDir"
        case networkDisabled = "NetworkDisabled"
        case hostConfiguration = "HostConfig"
    }
}

/// `HostConfig`: isolation and limits. Also read back by `inspectContainer`, so tests can check what
/// the daemon applied.
public struct HostConfiguration: Codable, Sendable, Equatable {
    public var networkMode: String?
    public var readonlyRootFilesystem: Bool?
    /// Mount point → mount options, e.g. `"/tmp": "rw,noexec,nosuid,nodev,size=67108864"`.
    public var tmpfs: [String: String]?
    public var capabilitiesDropped: [String]?
    public var securityOptions: [String]?
    public var memoryBytes: Int64?
    /// Memory plus swap; equal to `memoryBytes` means no swap.
    public var memorySwapBytes: Int64?
    public var nanoCPUs: Int64?
    public var pidsLimit: Int64?
    public var ulimits: [Ulimit]?
    /// `host-path:container-path:options`.
    public var binds: [String]?
    public var autoRemove: Bool?
    /// Runs Docker's init (tini) as PID 1, which reaps orphaned processes.
    public var runsInit: Bool?
    public var logConfiguration: LogConfiguration?
    /// OCI runtime name, e.g. `runsc`; nil is the daemon's default.
    public var runtime: String?

    public init() {}

    public struct Ulimit: Codable, Sendable, Equatable {
        public var name: String
        public var soft: Int64
        public var hard: Int64

        public init(name: String, soft: Int64, hard: Int64) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }

        enum CodingKeys: String, CodingKey {
            case name = "Name"
            case soft = "Soft"
            case hard = "Hard"
        }
    }

    public struct LogConfiguration: Codable, Sendable, Equatable {
        /// Driver name, e.g. `json-file`.
        public var type: String
        /// Driver options, e.g. `max-size`, `max-file`.
        public var options: [String: String]?

        public init(type: String, options: [String: String]? = nil) {
            self.type = type
            self.options = options
        }

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case options = "Config"
        }
    }

    enum CodingKeys: String, CodingKey {
        case networkMode = "NetworkMode"
        case readonlyRootFilesystem = "ReadonlyRootfs"
        case tmpfs = "Tmpfs"
        case capabilitiesDropped = "CapDrop"
        case securityOptions = "SecurityOpt"
        case memoryBytes = "Memory"
        case memorySwapBytes = "MemorySwap"
        case nanoCPUs = "NanoCpus"
        case pidsLimit = "PidsLimit"
        case ulimits = "Ulimits"
        case binds = "Binds"
        case autoRemove = "AutoRemove"
        case runsInit = "Init"
        case logConfiguration = "LogConfig"
        case runtime = "Runtime"
    }
}
