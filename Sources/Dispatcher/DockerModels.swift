// The subset of the Engine API (v1.41) bodies that the dispatcher reads or writes. Field names are the
// API's own, so that the JSON coders need no key mapping.

/// `POST /containers/create`.
public struct ContainerCreateRequest: Codable, Sendable, Equatable {
    public var Image: String
    public var Cmd: [String]?
    public var Env: [String]?
    public var Labels: [String: String]?
    public var User: String?
    public var WorkingDir: String?
    public var NetworkDisabled: Bool?
    public var HostConfig: HostConfig

    public struct HostConfig: Codable, Sendable, Equatable {
        public var NetworkMode: String?
        public var ReadonlyRootfs: Bool?
        public var Tmpfs: [String: String]?
        public var CapDrop: [String]?
        public var SecurityOpt: [String]?
        public var Memory: Int64?
        public var MemorySwap: Int64?
        public var NanoCpus: Int64?
        public var PidsLimit: Int64?
        public var Ulimits: [Ulimit]?
        public var Binds: [String]?
        public var AutoRemove: Bool?
        public var Init: Bool?

        public init() {}
    }

    public struct Ulimit: Codable, Sendable, Equatable {
        public var Name: String
        public var Soft: Int64
        public var Hard: Int64
        public init(Name: String, Soft: Int64, Hard: Int64) {
            self.Name = Name
            self.Soft = Soft
            self.Hard = Hard
        }
    }
}

struct ContainerCreateResponse: Decodable {
    var Id: String
}

/// `GET /containers/{id}/json`.
public struct ContainerInspect: Decodable, Sendable {
    public var Id: String
    public var Name: String
    public var Created: String
    public var State: State
    public var Config: Config
    public var HostConfig: ContainerCreateRequest.HostConfig

    public struct State: Decodable, Sendable {
        public var Status: String
        public var Running: Bool
        public var OOMKilled: Bool
        public var ExitCode: Int
        public var Error: String?
        public var StartedAt: String?
        public var FinishedAt: String?
    }

    public struct Config: Decodable, Sendable {
        public var User: String?
        public var Labels: [String: String]?
        public var Env: [String]?
        public var Image: String?
    }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Decodable, Sendable {
    public var Id: String
    public var Names: [String]
    public var Image: String
    /// Unix seconds.
    public var Created: Int64
    /// `created`, `running`, `exited`, ...
    public var State: String
    /// Human text such as `Up 3 minutes`.
    public var Status: String
    public var Labels: [String: String]?

    public var name: String {
        let first = Names.first ?? Id
        return first.hasPrefix("/") ? String(first.dropFirst()) : first
    }
}

/// `GET /version`.
public struct DockerVersion: Decodable, Sendable {
    public var Version: String
    public var ApiVersion: String
    public var MinAPIVersion: String?
    public var Os: String?
    public var Arch: String?
}

/// `GET /info`: what the daemon can enforce, which decides whether the hardening holds.
public struct DockerInfo: Decodable, Sendable {
    public var MemoryLimit: Bool?
    public var SwapLimit: Bool?
    public var PidsLimit: Bool?
    public var CpuCfsQuota: Bool?
    public var CgroupVersion: String?
    public var SecurityOptions: [String]?
}

/// `GET /images/{name}/json`.
public struct ImageInspect: Decodable, Sendable {
    public var Id: String
    public var RepoTags: [String]?
    public var Created: String?
    public var Size: Int64?
}

struct ContainerWaitResponse: Decodable {
    var StatusCode: Int
}

/// Every Engine API error body.
struct DaemonErrorBody: Decodable {
    var message: String
}

/// One line of the `POST /build` stream.
struct BuildStreamLine: Decodable {
    var stream: String?
    var status: String?
    var error: String?
    var aux: Aux?
    struct Aux: Decodable { var ID: String? }
}

/// One record of `GET /events`. The daemon keeps recent events after a container is removed, which
/// is how the end of an auto-removed container (`oom`, `die` with its exit code) is still known.
public struct DockerEvent: Decodable, Sendable {
    /// `container`, `image`, `network`, ...
    public var type: String?
    /// `create`, `start`, `oom`, `die`, `kill`, `destroy`, ...
    public var action: String
    public var actor: Actor
    /// Unix seconds.
    public var time: Int64?

    public struct Actor: Decodable, Sendable {
        public var ID: String?
        public var Attributes: [String: String]?
    }

    /// The `exitCode` attribute of a `die` event.
    public var exitCode: Int? { actor.Attributes?["exitCode"].flatMap { Int($0) } }

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case action = "Action"
        case actor = "Actor"
        case time
    }
}
