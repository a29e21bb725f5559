/// One row of `GET /containers/json`.
public struct ContainerSummary: Decodable, Sendable {
    public var id: String
    public var names: [String]
    public var image: String
    /// Unix seconds.
    public var created: Int64
    /// `created`, `running`, `exited`, ...
    public var state: String
    /// Human text such as `Up 3 minutes`.
    public var status: String?
    /// Labels as the container carries them. They can come from an image's `LABEL`, so they are
    /// claims, not facts: never trust one for a path or an identity.
    public var labels: [String: String]

    /// The name without Docker's leading slash.
    public var name: String {
        let first = names.first ?? id
        return first.hasPrefix("/") ? String(first.dropFirst()) : first
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case image = "Image"
        case created = "Created"
        case state = "State"
        case status = "Status"
        case labels = "Labels"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        names = try container.decodeIfPresent([String].self, forKey: .names) ?? []
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? ""
        status = try container.decodeIfPresent(String.self, forKey: .status)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
