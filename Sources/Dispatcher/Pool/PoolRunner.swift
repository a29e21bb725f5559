/// A runner as the pool's state machine sees it: which function it serves and what it is doing.
struct PoolRunner: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Its container is being created and started (and, with a function, loaded).
        case starting
        /// A generic runner being loaded with a function's code.
        case loading
        case idle
        /// Running one invocation.
        case leased
    }

    let id: PoolRunnerID
    let profile: ContainerProfile
    /// The function loaded (or being loaded) into it; nil for a generic warm-pool runner.
    var function: FunctionKey?
    var phase: Phase
    var lastUsed: ContinuousClock.Instant
    /// The runner exits by itself after this long without a call.
    let ownIdleTTL: Duration

    /// Whether it may be handed out now: not so close to its own idle TTL that it could exit under
    /// the call.
    func isFresh(at now: ContinuousClock.Instant, margin: Duration) -> Bool {
        lastUsed + ownIdleTTL - margin > now
    }
}

/// Identifies a runner within one pool.
struct PoolRunnerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    let value: UInt64
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    var description: String { "runner#\(value)" }
}

/// A call waiting for a runner of its function.
struct PoolWaiter: Sendable, Equatable {
    let id: PoolWaiterID
    let function: FunctionKey
    /// How many runners its function may have at once.
    let concurrency: Int
    /// Past it, the call fails (`queueTimedOut`) unless a runner starting or loading for its function
    /// is bound to it: its own timeout covers the wait.
    let deadline: ContinuousClock.Instant
    let timeout: Duration
}

struct PoolWaiterID: Hashable, Sendable, CustomStringConvertible {
    let value: UInt64
    var description: String { "call#\(value)" }
}
