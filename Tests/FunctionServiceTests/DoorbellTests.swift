import Testing

@testable import FunctionService

/// The wake-up the async worker and the invocation recorder wait on.
@Suite struct DoorbellTests {
    /// A cancelled wait returns (it used to be able to hang), and leaves a ring it did not wait for
    /// to the next wait: a ring lost there would leave the recorder asleep with records queued.
    @Test(.timeLimit(.minutes(1))) func aCancelledWaitReturnsAndLeavesTheRingForTheNextWait() async {
        let doorbell = Doorbell()
        doorbell.ring()
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await doorbell.wait(timeout: .seconds(3600))
        }
        await cancelled.value
        // Rung already: returns at once, not after the hour (the time limit stops a regression).
        let started = ContinuousClock.now
        await doorbell.wait(timeout: .seconds(3600))
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test(.timeLimit(.minutes(1))) func aWaitEndsAtItsTimeoutAndAtARing() async throws {
        let doorbell = Doorbell()
        await doorbell.wait(timeout: .milliseconds(10))
        let waiting = Task { await doorbell.wait(timeout: .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(50))
        let rung = ContinuousClock.now
        doorbell.ring()
        await waiting.value
        #expect(ContinuousClock.now - rung < .seconds(30))
    }
}
