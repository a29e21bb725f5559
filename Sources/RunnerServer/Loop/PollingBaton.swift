import PosixThreads
import Synchronization

/// Who may poll the runner's epoll set and touch its connections: the interpreter thread, or, while
/// the interpreter is busy in a Python call, the standby thread.
///
/// The interpreter thread holds the baton except during a call, when it makes the baton available;
/// it takes it back after the call. When the call was quick, nobody took it, and both the start and
/// the end of the call cost one atomic operation each: no lock, no system call. When the standby took
/// it (the call ran long), the interpreter asks for it back (through the epoll set's wake-up
/// descriptor) and waits until the standby has finished its current batch of events.
///
/// The state is one word: the latest call's id and a tag.
final class PollingBaton: Sendable {
    enum Tag: UInt64 {
        /// The interpreter thread holds the baton (between calls).
        case interpreter = 0
        /// The interpreter thread is in a Python call; the standby may take the baton.
        case available = 1
        /// The standby holds it.
        case standby = 2
        /// The interpreter's call ended and it wants the baton back from the standby.
        case reclaiming = 3
    }

    struct State: Equatable {
        let call: UInt64
        let tag: Tag

        init(call: UInt64, tag: Tag) {
            self.call = call
            self.tag = tag
        }

        init(word: UInt64) {
            call = word >> 2
            tag = Tag(rawValue: word & 3)!
        }

        var word: UInt64 { call << 2 | tag.rawValue }
    }

    private let word = Atomic<UInt64>(0)
    private let lock = ConditionLock()
    private let returned: ConditionLock.Condition
    private let standbyAwake: ConditionLock.Condition
    /// The standby sleeps until the next call starts; see `callStarted`.
    private let standbyDormant = Atomic<Bool>(false)

    init() {
        returned = ConditionLock.Condition(lock)
        standbyAwake = ConditionLock.Condition(lock)
    }

    var state: State { State(word: word.load(ordering: .sequentiallyConsistent)) }

    // MARK: - Interpreter thread

    /// A call starts: the baton becomes available. Wakes the standby if it sleeps (only the first
    /// call after a quiet spell finds it asleep).
    func callStarted(_ call: UInt64) {
        word.store(State(call: call, tag: .available).word, ordering: .sequentiallyConsistent)
        if standbyDormant.load(ordering: .sequentiallyConsistent) {
            lock.withLock {
                standbyDormant.store(false, ordering: .sequentiallyConsistent)
                standbyAwake.signal()
            }
        }
    }

    /// The call ended: takes the baton back, from the standby if it took it (`wake` interrupts its
    /// poll). Returns false if the standby gave the interpreter up (then it must touch nothing).
    func callEnded(_ call: UInt64, wake: () -> Void) -> Bool {
        let available = State(call: call, tag: .available).word
        let back = State(call: call, tag: .interpreter).word
        if word.compareExchange(expected: available, desired: back, ordering: .acquiringAndReleasing).exchanged {
            return true
        }
        let lent = State(call: call, tag: .standby).word
        guard word.compareExchange(expected: lent, desired: State(call: call, tag: .reclaiming).word, ordering: .acquiringAndReleasing).exchanged else {
            return false
        }
        wake()
        lock.withLock {
            while word.load(ordering: .acquiring) != back { returned.wait() }
        }
        return true
    }

    // MARK: - Standby thread

    /// Takes the baton if the interpreter is still in `call`.
    func take(during call: UInt64) -> Bool {
        word.compareExchange(
            expected: State(call: call, tag: .available).word,
            desired: State(call: call, tag: .standby).word,
            ordering: .acquiringAndReleasing
        ).exchanged
    }

    /// Whether the interpreter wants the baton back.
    var isReclaimed: Bool { state.tag == .reclaiming }

    /// Hands the baton back to the interpreter thread after a `reclaiming`.
    func giveBack() {
        let current = state
        lock.withLock {
            word.store(State(call: current.call, tag: .interpreter).word, ordering: .releasing)
            returned.signal()
        }
    }

    /// Sleeps until a call starts after `seen` (the state the standby saw when it found nothing to
    /// do), or until `wakeUp()`.
    func sleepUntilCall(after seen: State, orStop shouldStop: () -> Bool) {
        standbyDormant.store(true, ordering: .sequentiallyConsistent)
        lock.withLock {
            while standbyDormant.load(ordering: .sequentiallyConsistent), state == seen, !shouldStop() {
                standbyAwake.wait()
            }
            standbyDormant.store(false, ordering: .sequentiallyConsistent)
        }
    }

    /// Waits until `deadline`, or until woken by a call start (if dormant) or `wakeUp()`.
    func nap(until deadline: MonotonicInstant) {
        lock.withLock { standbyAwake.wait(until: deadline) }
    }

    /// Wakes a sleeping or napping standby (to stop it).
    func wakeUp() {
        lock.withLock {
            standbyDormant.store(false, ordering: .sequentiallyConsistent)
            standbyAwake.broadcast()
        }
    }
}
