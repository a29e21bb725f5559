import CPythonShim
import PosixThreads
import Synchronization

/// Decides when a call on the interpreter thread has run past its deadline, and interrupts it.
///
/// The interpreter thread brackets each call with `begin` and `end`: two atomic stores each, no lock
/// and no system call, so a quick call pays nothing for being watched. Another thread calls `check`
/// whenever it wakes, and sleeps until the instant `check` names; nothing here spins.
///
/// Past its deadline a call is interrupted: `DeadlineExceeded` is raised into its Python code (through
/// a signal, which also ends a blocking sleep), and again every `interruptInterval` if the code
/// catches it. A call still running at its hard deadline (deadline plus grace) and at least one
/// interval after its first interruption is stuck in C: `check` says `unresponsive`, and the watcher
/// gives the interpreter up.
public final class DeadlineWatchdog: Sendable {
    public let interruptInterval: Duration
    private let interrupt: @Sendable (UInt64) -> Void

    // Written by the interpreter thread: the running call (0 when none) and its deadlines. The
    // deadlines are stored before the call is published, and `check` reads the call again after
    // them, so it never pairs one call with another's deadline.
    private let runningCall = Atomic<UInt64>(0)
    private let deadline = Atomic<UInt64>(.max)
    private let hardDeadline = Atomic<UInt64>(.max)
    private let nextCall = Atomic<UInt64>(1)
    // Written by the watching thread: the last call it interrupted.
    private let interruptedCall = Atomic<UInt64>(0)
    private let watcher = Mutex(WatcherState())

    private struct WatcherState {
        var call: UInt64 = 0
        var firstInterrupt = MonotonicInstant.never
        var lastInterrupt = MonotonicInstant.never
    }

    /// - Parameter interrupt: raises `DeadlineExceeded` into the given call if it still runs; the
    ///   default signals the interpreter thread. Tests pass a recorder.
    public init(interruptInterval: Duration = .milliseconds(100), interrupt: @escaping @Sendable (UInt64) -> Void = { call in _ = pylambda_interrupt_job(call) }) {
        self.interruptInterval = interruptInterval
        self.interrupt = interrupt
    }

    /// A call that `begin` started; pass it to `end`.
    public struct Call: Equatable, Sendable {
        public let id: UInt64
    }

    /// How a call ended.
    public enum Ending: Equatable, Sendable {
        case inTime
        /// It was interrupted: answer it as timed out, whatever it returned.
        case interrupted
    }

    /// What the watching thread should do next.
    public enum Decision: Equatable, Sendable {
        /// Nothing runs: sleep until woken.
        case idle
        /// Check again at this instant (or when woken).
        case checkAt(MonotonicInstant)
        /// The call could not be interrupted: answer it (and everything waiting) as unresponsive.
        case unresponsive(Call)
    }

    /// On the interpreter thread, as a call starts. `deadline` may be `.never`; past `hardDeadline`
    /// (the deadline plus a grace period) a call that cannot be interrupted is given up.
    public func begin(deadline: MonotonicInstant, hardDeadline: MonotonicInstant) -> Call {
        let id = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        self.deadline.store(deadline.nanoseconds, ordering: .relaxed)
        self.hardDeadline.store(hardDeadline.nanoseconds, ordering: .relaxed)
        pylambda_set_current_job(id)
        runningCall.store(id, ordering: .releasing)
        return Call(id: id)
    }

    public func begin(deadline: MonotonicInstant, grace: Duration) -> Call {
        begin(deadline: deadline, hardDeadline: deadline + grace)
    }

    /// On the interpreter thread, as the call returns.
    public func end(_ call: Call) -> Ending {
        runningCall.store(0, ordering: .releasing)
        pylambda_set_current_job(0)
        return interruptedCall.load(ordering: .acquiring) == call.id ? .interrupted : .inTime
    }

    /// On the watching thread: interrupts the running call if it is due, and says when to look again.
    public func check(now: MonotonicInstant = .now) -> Decision {
        let call = runningCall.load(ordering: .acquiring)
        guard call != 0 else { return .idle }
        let deadline = MonotonicInstant(nanoseconds: self.deadline.load(ordering: .relaxed))
        let hardDeadline = MonotonicInstant(nanoseconds: self.hardDeadline.load(ordering: .relaxed))
        guard runningCall.load(ordering: .acquiring) == call else { return .checkAt(now) }
        return watcher.withLock { state in
            if state.call != call {
                state = WatcherState(call: call)
            }
            guard now >= deadline else { return .checkAt(deadline) }
            if state.firstInterrupt != .never {
                let giveUpAt = max(hardDeadline, state.firstInterrupt + interruptInterval)
                if now >= giveUpAt { return .unresponsive(Call(id: call)) }
                let reinterruptAt = state.lastInterrupt + interruptInterval
                guard now >= reinterruptAt else { return .checkAt(min(reinterruptAt, giveUpAt)) }
            }
            interruptedCall.store(call, ordering: .releasing)
            interrupt(call)
            if state.firstInterrupt == .never { state.firstInterrupt = now }
            state.lastInterrupt = now
            let giveUpAt = max(hardDeadline, state.firstInterrupt + interruptInterval)
            return .checkAt(min(now + interruptInterval, giveUpAt))
        }
    }
}
