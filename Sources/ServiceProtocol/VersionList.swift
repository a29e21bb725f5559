/// `GET /v1/functions/{name}/versions`, newest first.
public struct VersionList: Codable, Sendable, Equatable {
    public var versions: [FunctionVersionBody]
    public init(versions: [FunctionVersionBody]) { self.versions = versions }
}
