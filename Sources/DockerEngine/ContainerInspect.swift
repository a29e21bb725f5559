/// `GET /containers/{id}/json`, the parts this client reads.
public struct ContainerInspect: Decodable, Sendable {
    public var id: String
    public var name: String
    public var created: String?
    public var state: State
    public var configuration: Configuration
    public var hostConfiguration: HostConfiguration
    /// The json-file log on the daemon's host (empty for other log drivers).
    public var logPath: String?

    public struct State: Decodable, Sendable {
        public var status: String
        public var running: Bool
        public var oomKilled: Bool
        public var exitCode: Int
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case running = "Running"
            case oomKilled = "OOMKilled"
            case exitCode = "ExitCode"
            case error = "Error"
        }
    }

    public struct Configuration: Decodable, Sendable {
        public var user: String?
        public var labels: [String: String]?
        public var environment: [String]?
        public var image: String?

        enum CodingKeys: String, CodingKey {
            case user = "User"
            case labels = "Labels"
            case environment = "Env"
            case image = "Image"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case created = "Created"
        case state = "State"
        case configuration = "Config"
        case hostConfiguration = "HostConfig"
        case logPath = "LogPath"
    }
}

/// Bodies that only the client itself reads.
struct ContainerCreateResponse: Decodable {
    var id: String
    enum CodingKeys: String, CodingKey { case id = "Id" }
}

struct ContainerWaitResponse: Decodable {
    var statusCode: Int
    enum CodingKeys: String, CodingKey { case statusCode = "StatusCode" }
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
    struct Aux: Decodable {
        var id: String?
        enum CodingKeys: String, CodingKey { case id = "ID" }
    }
}
