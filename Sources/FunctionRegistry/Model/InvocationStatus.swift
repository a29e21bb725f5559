/// Where an invocation is in its life. `queued` and `running` change; the others are final.
public enum InvocationStatus: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// An async call waiting in the durable queue.
    case queued
    /// Claimed by a serve process (async) or started by one (sync).
    case running
    case succeeded
    /// The function raised, or its code could not be loaded, or its runner died.
    case failed
    case timedOut = "timed_out"
    /// Its serve process stopped (or was killed) while it ran; it is not run again.
    case interrupted
    /// Cancelled while queued (its function was deleted, or its queue was cancelled).
    case cancelled

    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        default: true
        }
    }
}
