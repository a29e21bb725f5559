import Synchronization

/// Wakes one waiting task: `wait()` returns when `ring()` is called (at once if it was rung since the
/// last wait) or when the waiting task is cancelled; `wait(timeout:)` also when the timeout passes.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when `ring()` is called (at once if it was rung since the last wait), or when the
    /// waiting task is cancelled. No timer and no child task: the recorder waits here once per batch.
    func wait() async {
        // Cancelled before or after the continuation is stored: either way it is resumed, exactly
        // once, under the lock. A cancelled wait leaves a ring to the next wait.
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            takeWaiter()?.resume()
        }
    }

    /// `wait()`, which also returns once `timeout` has passed.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Time is up: the waiter (if still waiting) is resumed here, exactly once. A ring
                // that came after the timeout is left for the next wait.
                self.takeWaiter()?.resume()
            }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
        }
    }

    /// A task is waiting now, for tests.
    var isWaiting: Bool { state.withLock { $0.waiter != nil } }

    private func takeWaiter() -> CheckedContinuation<Void, Never>? {
        state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }
    }
}
