/// `GET /images/{name}/json`, the parts that say which image it is.
public struct ImageInspect: Decodable, Sendable {
    public var id: String
    public var repositoryTags: [String]?
    public var created: String?
    public var size: Int64?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case repositoryTags = "RepoTags"
        case created = "Created"
        case size = "Size"
    }
}
