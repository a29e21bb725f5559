/// `GET /v1/functions/{name}/invocations`, newest first.
public struct InvocationList: Codable, Sendable, Equatable {
    public var invocations: [InvocationBody]
    public init(invocations: [InvocationBody]) { self.invocations = invocations }
}
