/// One record of `GET /events`. The daemon keeps recent events after a container is removed, which is
/// how the end of an auto-removed container (`oom`, `die` with its exit code) is still known.
public struct DockerEvent: Decodable, Sendable {
    /// `container`, `image`, `network`, ...
    public var type: String?
    /// `create`, `start`, `oom`, `die`, `kill`, `destroy`, ...
    public var action: String
    public var actor: Actor
    /// Unix seconds.
    public var time: Int64?

    public struct Actor: Decodable, Sendable {
        public var id: String?
        public var attributes: [String: String]?

        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case attributes = "Attributes"
        }
    }

    /// The `exitCode` attribute of a `die` event.
    public var exitCode: Int? { actor.attributes?["exitCode"].flatMap { Int($0) } }

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case action = "Action"
        case actor = "Actor"
        case time
    }
}
