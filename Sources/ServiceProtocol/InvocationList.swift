/// `GET /v1/functions/{name}/invocations`, newest first.
public struct InvocationList: Codable, Sendable, Equatable {
    public var invocations: [InvocationBody]
    /// Pass as `?marker=` for the next (older) page; absent on the last one.
    public var nextMarker: String?

    public init(invocations: [InvocationBody], nextMarker: String? = nil) {
        self.invocations = invocations
        self.nextMarker = nextMarker
    }

    enum CodingKeys: String, CodingKey {
        case invocations
        case nextMarker = "next_marker"
    }
}
