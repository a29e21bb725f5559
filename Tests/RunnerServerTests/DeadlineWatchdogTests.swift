import EmbeddedPython
import PosixThreads
import Synchronization
import Testing

/// The watchdog's decisions, driven with made-up instants and a recorder in place of the signal.
@Suite("The deadline watchdog's decisions")
struct DeadlineWatchdogTests {
    final class Interrupts: Sendable {
        let calls = Mutex<[UInt64]>([])
        var count: Int { calls.withLock { $0.count } }
    }

    private func watchdog(_ interrupts: Interrupts) -> DeadlineWatchdog {
        DeadlineWatchdog(interruptInterval: .milliseconds(100)) { call in interrupts.calls.withLock { $0.append(call) } }
    }

    private func at(_ milliseconds: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: 1_000_000_000_000 + milliseconds * 1_000_000)
    }

    @Test
    func nothingRunningMeansSleepUntilWoken() {
        let interrupts = Interrupts()
        let watchdog = watchdog(interrupts)
        #expect(watchdog.check(now: at(0)) == .idle)
        let call = watchdog.begin(deadline: at(50), grace: .zero)
        #expect(watchdog.end(call) == .inTime)
        #expect(watchdog.check(now: at(60)) == .idle)
        #expect(interrupts.count == 0)
    }

    @Test
    func aCallIsInterruptedAtItsDeadlineAndAgainEveryInterval() {
        let interrupts = Interrupts()
        let watchdog = watchdog(interrupts)
        let call = watchdog.begin(deadline: at(300), grace: .seconds(2))
        #expect(watchdog.check(now: at(10)) == .checkAt(at(300)))
        #expect(watchdog.check(now: at(300)) == .checkAt(at(400)))
        #expect(interrupts.calls.withLock { $0 } == [call.id])
        // Woken early (say by a new request): nothing to do yet, and no spinning either.
        #expect(watchdog.check(now: at(350)) == .checkAt(at(400)))
        #expect(interrupts.count == 1)
        #expect(watchdog.check(now: at(400)) == .checkAt(at(500)))
        #expect(interrupts.count == 2)
        #expect(watchdog.end(call) == .interrupted)
    }

    /// The old watchdog, past deadline plus grace, asked to be woken again 1 ns later until the next
    /// interrupt was due: it spun for up to 100 ms on the CPU the stuck code needed.
    @Test
    func pastTheHardDeadlineItWaitsForTheNextDecisionInsteadOfSpinning() {
        let interrupts = Interrupts()
        let watchdog = watchdog(interrupts)
        let call = watchdog.begin(deadline: at(300), grace: .zero)
        #expect(watchdog.check(now: at(300)) == .checkAt(at(400)))
        // Between the interrupt and its interval: the next look is at the interval, never "now".
        for now in [at(300), at(301), at(350), at(399)] {
            #expect(watchdog.check(now: now) == .checkAt(at(400)), "at \(now)")
        }
        #expect(watchdog.check(now: at(400)) == .unresponsive(call))
        #expect(interrupts.count == 1)
    }

    @Test
    func givingUpWaitsForTheGraceAfterTheDeadline() {
        let interrupts = Interrupts()
        let watchdog = watchdog(interrupts)
        let call = watchdog.begin(deadline: at(100), grace: .milliseconds(250))
        #expect(watchdog.check(now: at(100)) == .checkAt(at(200)))
        #expect(watchdog.check(now: at(200)) == .checkAt(at(300)))
        #expect(watchdog.check(now: at(300)) == .checkAt(at(350)))
        #expect(watchdog.check(now: at(350)) == .unresponsive(call))
        #expect(interrupts.count == 3)
    }

    @Test
    func aNewCallStartsAfresh() {
        let interrupts = Interrupts()
        let watchdog = watchdog(interrupts)
        let first = watchdog.begin(deadline: at(100), grace: .zero)
        _ = watchdog.check(now: at(100))
        #expect(watchdog.end(first) == .interrupted)
        let second = watchdog.begin(deadline: at(1000), grace: .zero)
        #expect(watchdog.check(now: at(150)) == .checkAt(at(1000)))
        #expect(watchdog.end(second) == .inTime)
        #expect(watchdog.begin(deadline: .never, grace: .seconds(2)).id > second.id)
        #expect(watchdog.check(now: at(5000)) == .checkAt(.never))
    }
}
