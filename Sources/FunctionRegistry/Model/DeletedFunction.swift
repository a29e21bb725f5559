/// What a delete did: the function that is gone (its id tells its invocation records apart from those
/// of a later function of the same name) and how many queued async calls it cancelled.
public struct DeletedFunction: Sendable, Equatable {
    public var name: String
    public var id: Int64
    public var cancelledInvocations: Int

    public init(name: String, id: Int64, cancelledInvocations: Int) {
        self.name = name
        self.id = id
        self.cancelledInvocations = cancelledInvocations
    }
}
