/// One page of a function's invocation records, newest first.
public struct InvocationPage: Sendable, Equatable {
    public var invocations: [Invocation]
    /// Pass as `before` to get the next (older) page; nil on the last page.
    public var nextMarker: String?

    public init(invocations: [Invocation], nextMarker: String?) {
        self.invocations = invocations
        self.nextMarker = nextMarker
    }
}
