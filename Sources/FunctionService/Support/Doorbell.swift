import Synchronization

/// Wakes one waiting task early: `wait(timeout:)` returns when `ring()` is called, at once if it was
/// rung since the last wait, when the timeout passes, or when the waiting task is cancelled.
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

    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled (the group is, once the timeout ended it, or the caller was) before or
                // after the continuation is stored: either way it is resumed, exactly once, under the
                // lock. A ring that came after the timeout is left for the next wait.
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let now = self.state.withLock { state -> Bool in
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
                    self.takeWaiter()?.resume()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Time is up: the waiter (if still waiting) is resumed here, exactly once.
                self.takeWaiter()?.resume()
            }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
        }
    }

    private func takeWaiter() -> CheckedContinuation<Void, Never>? {
        state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }
    }
}
