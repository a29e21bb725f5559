/// A queued async call that this instance now owns (its status is `running`), with the input it was
/// given. Run it, then `finishRunning`; if the process dies first, it becomes `interrupted`.
public struct ClaimedInvocation: Sendable, Equatable {
    public var invocation: Invocation
    public var input: [UInt8]
    /// The call named its version (a Lambda qualifier, `?version=N`) instead of asking for the
    /// latest: a Lambda handler's context says that number, where it says `$LATEST` otherwise.
    public var pinned: Bool

    public init(invocation: Invocation, input: [UInt8], pinned: Bool = false) {
        self.invocation = invocation
        self.input = input
        self.pinned = pinned
    }
}
