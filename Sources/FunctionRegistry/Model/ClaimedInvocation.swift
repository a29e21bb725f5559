/// A queued async call that this instance now owns (its status is `running`), with the input it was
/// given. Run it, then `finishInvocation`; if the process dies first, it becomes `interrupted`.
public struct ClaimedInvocation: Sendable, Equatable {
    public var invocation: Invocation
    public var input: [UInt8]

    public init(invocation: Invocation, input: [UInt8]) {
        self.invocation = invocation
        self.input = input
    }
}
