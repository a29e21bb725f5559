/// `GET /v1/functions`.
public struct FunctionList: Codable, Sendable, Equatable {
    public var functions: [FunctionBody]
    /// Pass as `?marker=` for the next page; absent on the last one.
    public var nextMarker: String?

    public init(functions: [FunctionBody], nextMarker: String?) {
        self.functions = functions
        self.nextMarker = nextMarker
    }

    enum CodingKeys: String, CodingKey {
        case functions
        case nextMarker = "next_marker"
    }
}
