/// `GET /v1/keys`.
public struct KeyList: Codable, Sendable, Equatable {
    public var keys: [KeyBody]
    public init(keys: [KeyBody]) { self.keys = keys }
}
