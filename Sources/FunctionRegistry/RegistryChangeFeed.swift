import Synchronization

/// Says whether what a process read from the registry may still be served from its caches: a
/// function's latest version, a verified key. Caches keep a `Mark` with each entry, taken before the
/// read, and use the entry only while `isCurrent(mark)`.
///
/// - A change through this process (a deploy, a delete, a key revoke) calls `changed()` as its write
///   ends, which makes every mark taken before it stale: a read that began before the write is not
///   served after it, even if it stored its entry later.
/// - SQLite (`singleWriter`): this process is the registry's only writer, so that is all.
/// - PostgreSQL: other processes write too. Their changes are announced with `NOTIFY` when their
///   transactions commit, and the store's listener calls `changed()` for each. While the listener is
///   not sure to hear them (before it is connected, after it lost its connection, or when its own
///   probes have not come back for `PostgresChangeListener`'s `staleAfter`), there are no marks, so
///   nothing is cached.
///
/// Coarse on purpose: any change invalidates every entry. Changes are rare next to calls, and a
/// miss costs one query.
public final class RegistryChangeFeed: Sendable {
    /// When a cache entry was read, as far as changes go.
    public struct Mark: Equatable, Sendable {
        fileprivate let generation: UInt64
    }

    private enum Liveness {
        case always
        case until(ContinuousClock.Instant)
        case not
    }

    private struct State {
        var generation: UInt64 = 0
        var liveness: Liveness
    }

    private let state: Mutex<State>

    /// A registry written by this process alone.
    public static func singleWriter() -> RegistryChangeFeed { RegistryChangeFeed(liveness: .always) }

    /// A shared registry whose changes are heard by a listener: nothing is cached until it connects.
    static func shared() -> RegistryChangeFeed { RegistryChangeFeed(liveness: .not) }

    private init(liveness: Liveness) {
        state = Mutex(State(liveness: liveness))
    }

    /// The mark to store with what is read next; nil when nothing read now may be cached.
    public func mark() -> Mark? {
        state.withLock { state in
            Self.isLive(state.liveness) ? Mark(generation: state.generation) : nil
        }
    }

    /// Whether an entry read under `mark` may still be used.
    public func isCurrent(_ mark: Mark) -> Bool {
        state.withLock { state in
            state.generation == mark.generation && Self.isLive(state.liveness)
        }
    }

    private static func isLive(_ liveness: Liveness) -> Bool {
        switch liveness {
        case .always: true
        case .until(let deadline): ContinuousClock.now < deadline
        case .not: false
        }
    }

    /// Something changed: every mark taken so far is stale.
    func changed() {
        state.withLock { $0.generation &+= 1 }
    }

    /// The listener heard from the server: no change it has not passed on was committed before.
    /// Marks may be handed out until `deadline`, unless it confirms again.
    func confirmed(until deadline: ContinuousClock.Instant) {
        state.withLock { $0.liveness = .until(deadline) }
    }

    /// The listener lost its connection (or stopped): changes may go unheard, so nothing is cached,
    /// and what was cached is stale once it reconnects.
    func lost() {
        state.withLock { state in
            state.generation &+= 1
            state.liveness = .not
        }
    }
}
