/// A queued async call that this instance has claimed, with the input it was given. It stays `queued`
/// (a delete still cancels it) until `startClaimed` marks it `running` just before it is sent; then
/// `finishRunning` records its end, or, if it never starts, `finishClaimed` or `releaseClaim`. If the
/// process dies while it runs, it becomes `interrupted`; a claim that never started goes back to the
/// queue.
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
