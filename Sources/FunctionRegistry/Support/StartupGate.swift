import Synchronization

/// Holds calls until the store's `run()` has opened the database and migrated it, then lets them
/// through for as long as it runs. Calls made after `run()` ended, or after it failed, throw at once
/// instead of waiting for a database that is not coming.
final class StartupGate: Sendable {
    private enum State {
        case starting(waiters: [Int: CheckedContinuation<Void, any Error>], nextID: Int)
        case open
        case closed(RegistryError)
    }

    private let state = Mutex(State.starting(waiters: [:], nextID: 0))

    /// Returns when open; throws the failure or `shutDown` when closed, `CancellationError` when the
    /// waiting task is cancelled.
    func wait() async throws(RegistryError) {
        switch state.withLock({ $0 }) {
        case .open: return
        case .closed(let error): throw error
        case .starting: break
        }
        let id = state.withLock { state -> Int in
            guard case .starting(let waiters, let nextID) = state else { return -1 }
            state = .starting(waiters: waiters, nextID: nextID + 1)
            return nextID
        }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let outcome: Result<Void, RegistryError>? = state.withLock { state in
                        switch state {
                        case .open: return .success(())
                        case .closed(let error): return .failure(error)
                        case .starting(var waiters, let nextID):
                            if Task.isCancelled { return .failure(.unavailable("the call was cancelled while the registry was starting")) }
                            waiters[id] = continuation
                            state = .starting(waiters: waiters, nextID: nextID)
                            return nil
                        }
                    }
                    if let outcome { continuation.resume(with: outcome.mapError { $0 as any Error }) }
                }
            } onCancel: {
                let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
                    guard case .starting(var waiters, let nextID) = state, let waiter = waiters.removeValue(forKey: id) else {
                        return nil
                    }
                    state = .starting(waiters: waiters, nextID: nextID)
                    return waiter
                }
                waiter?.resume(throwing: RegistryError.unavailable("the call was cancelled while the registry was starting"))
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw .unavailable("\(error)")
        }
    }

    func open() {
        resumeAll(with: .success(()), becoming: .open)
    }

    /// Ends the gate: with the start's failure, or `shutDown` when `run()` returns. Only the first
    /// close counts.
    func close(_ error: RegistryError) {
        resumeAll(with: .failure(error), becoming: .closed(error))
    }

    private func resumeAll(with result: Result<Void, RegistryError>, becoming next: State) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            switch state {
            case .starting(let waiters, _):
                state = next
                return Array(waiters.values)
            case .open:
                if case .closed = next { state = next }
                return []
            case .closed:
                return []
            }
        }
        for waiter in waiters {
            waiter.resume(with: result.mapError { $0 as any Error })
        }
    }
}
