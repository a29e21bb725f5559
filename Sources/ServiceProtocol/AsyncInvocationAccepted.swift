/// `202` of an async invoke.
public struct AsyncInvocationAccepted: Codable, Sendable, Equatable {
    public var invocationID: String
    public init(invocationID: String) { self.invocationID = invocationID }
    enum CodingKeys: String, CodingKey { case invocationID = "invocation_id" }
}
