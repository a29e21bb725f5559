import Testing

@testable import FunctionService

/// The wake-up the async worker and the invocation recorder wait on.
@Suite struct DoorbellTests {
    /// A cancelled wait returns (it used to be able to hang), and leaves a ring it did not wait for
    /// to the next wait: a ring lost there would leave the recorder asleep with records queued.
    @Test(.timeLimit(.minutes(1))) func aCancelledWaitReturnsAndLeavesTheRingForTheNextWait() async {
        let doorbell = Doorbell()
        doorbell.ring()
        for wait in [{ await doorbell.wait(timeout: .seconds(3600)) }, { await doorbell.wait() }] as [@Sendable () async -> Void] {
            let cancelled = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                await wait()
            }
            await cancelled.value
        }
        // Rung already: returns at once, not after the hour (the time limit stops a regression).
        let started = ContinuousClock.now
        await doorbell.wait(timeout: .seconds(3600))
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    /// The wait without a timeout ends at a ring, and when its task is cancelled while it waits.
    @Test(.timeLimit(.minutes(1))) func aWaitWithoutATimeoutEndsAtARingAndAtCancellation() async throws {
        let doorbell = Doorbell()
        let waiting = Task { await doorbell.wait() }
        try await Self.untilWaiting(doorbell)
        doorbell.ring()
        await waiting.value
        let cancelled = Task { await doorbell.wait() }
        try await Self.untilWaiting(doorbell)
        cancelled.cancel()
        await cancelled.value
        // The ring was used by the first wait: the next one waits out its timeout.
        let started = ContinuousClock.now
        await doorbell.wait(timeout: .milliseconds(20))
        #expect(ContinuousClock.now - started >= .milliseconds(20))
    }

    @Test(.timeLimit(.minutes(1))) func aWaitEndsAtItsTimeoutAndAtARing() async throws {
        let doorbell = Doorbell()
        await doorbell.wait(timeout: .milliseconds(10))
        let waiting = Task { await doorbell.wait(timeout: .seconds(3600)) }
        try await Self.untilWaiting(doorbell)
        let rung = ContinuousClock.now
        doorbell.ring()
        await waiting.value
        #expect(ContinuousClock.now - rung < .seconds(30))
    }

    /// Until a task waits on `doorbell` (its continuation is stored): a ring or cancellation then
    /// wakes a waiting task, not one that has yet to start waiting.
    private static func untilWaiting(_ doorbell: Doorbell) async throws {
        while !doorbell.isWaiting { try await Task.sleep(for: .milliseconds(1)) }
    }
}
