import FunctionRegistry
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued async calls: claims them from the durable queue (atomically, so that no call runs
/// twice, in this process or another sharing the registry) while there is room, at most
/// `maxConcurrent` at once and never more of one function than its concurrency.
///
/// Graceful shutdown stops claiming and lets the calls already running finish; what is still queued
/// stays queued for the next start (or another process), claimed calls that have not started
/// included. serve stops the claiming as soon as its
/// shutdown begins (`stopClaiming()`), not once the HTTP server has drained: a queued call claimed
/// while a long sync call finishes would hold the shutdown up.
final class AsyncInvocationWorker: Service {
    let store: any FunctionStore
    let executor: InvocationExecutor
    let maxConcurrent: Int
    let pollInterval: Duration
    /// Set once serve has sent (or tried) its first heartbeat: until then another serve sharing the
    /// registry would take this one's claims for a gone instance's.
    let ready: Flag
    let logger: Logger
    private let state = Mutex(State())
    private let doorbell = Doorbell()
    private let stopping = Flag()

    private struct State {
        /// The claims this worker is working on (waiting for a runner, or running), by id: counted,
        /// as a call given back may be claimed again before the task that gave it back has ended.
        var claimed: [String: Int] = [:]
        var running = 0
        /// Calls running per function id, against each function's concurrency.
        var runningPerFunction: [Int64: Int] = [:]
        var concurrency: [Int64: Int] = [:]
        /// Functions one of whose calls was given back (no runner could be had, the registry failed,
        /// serve is stopping): not claimed again before then.
        var pausedUntil: [Int64: ContinuousClock.Instant] = [:]
    }

    /// How long a function's calls are left queued after one was given back for want of a runner.
    static let givenBackPause: Duration = .seconds(2)

    init(store: any FunctionStore, executor: InvocationExecutor, maxConcurrent: Int, pollInterval: Duration, ready: Flag, logger: Logger) {
        self.store = store
        self.executor = executor
        self.maxConcurrent = max(1, maxConcurrent)
        self.pollInterval = pollInterval
        self.ready = ready
        self.logger = logger
    }

    /// A call was queued by this process: look now rather than at the next poll.
    func queued() {
        doorbell.ring()
    }

    /// No more claims, from now on; the calls running finish.
    func stopClaiming() {
        stopping.set()
        doorbell.ring()
    }

    func run() async throws {
        try? await store.waitUntilReady()
        while !ready.isSet && !stopping.isSet && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await withTaskGroup(of: Void.self) { group in
            await withGracefulShutdownHandler {
                var lastSweep = ContinuousClock.now
                while !self.stopping.isSet && !Task.isCancelled {
                    if ContinuousClock.now - lastSweep >= Self.lostClaimSweepInterval {
                        lastSweep = ContinuousClock.now
                        await self.releaseLostClaims()
                    }
                    for (call, version) in await self.claimWhileThereIsRoom() {
                        group.addTask {
                            let outcome = await self.executor.run(call, version: version, stillClaiming: { !self.stopping.isSet })
                            self.finished(call, outcome)
                            self.doorbell.ring()
                        }
                    }
                    // Until a call is queued here, one finishes, or the poll interval passes (others
                    // may queue through another process).
                    await self.doorbell.wait(timeout: self.pollInterval)
                }
            } onGracefulShutdown: {
                self.stopClaiming()
            }
            // No more claims; the calls running finish.
            await group.waitForAll()
        }
        // Stopped early by `stopClaiming()`: a service that returns before its group's shutdown
        // reaches it would end the group.
        try? await gracefulShutdown()
    }

    /// How often the claims this instance holds in the registry but does not work on go back to the
    /// queue: a claim whose answer was lost on the way from the database, or whose release failed.
    static let lostClaimSweepInterval: Duration = .seconds(30)

    /// Runs between claims, so that no claim is on its way in while it looks.
    private func releaseLostClaims() async {
        let kept = state.withLock { Set($0.claimed.keys) }
        do {
            let released = try await store.releaseClaims(by: executor.instance, keeping: kept)
            if released > 0 { logger.notice("put \(released) async calls this serve had lost track of back in the queue") }
        } catch {
            logger.warning("could not look for lost claims: \(error)")
        }
    }

    /// Each call claimed, with its version (`InvocationExecutor.version(of:)`): its concurrency
    /// bounds the claims of its function, 1 if it cannot be read.
    private func claimWhileThereIsRoom() async -> [(ClaimedInvocation, Result<FunctionVersion, RegistryError>)] {
        var claimed: [(ClaimedInvocation, Result<FunctionVersion, RegistryError>)] = []
        while !stopping.isSet, state.withLock({ $0.running }) < maxConcurrent {
            let now = ContinuousClock.now
            let full = state.withLock { state in
                state.pausedUntil = state.pausedUntil.filter { $0.value > now }
                return Set(state.runningPerFunction.filter { $0.value >= state.concurrency[$0.key, default: 1] }.keys)
                    .union(state.pausedUntil.keys)
            }
            do {
                guard let call = try await store.claimNextQueued(for: executor.instance, excludingFunctions: full) else { break }
                let version = await executor.version(of: call)
                let concurrency = (try? version.get())?.settings.concurrency ?? 1
                state.withLock { state in
                    state.claimed[call.invocation.id, default: 0] += 1
                    state.running += 1
                    state.runningPerFunction[call.invocation.functionID, default: 0] += 1
                    state.concurrency[call.invocation.functionID] = concurrency
                }
                claimed.append((call, version))
            } catch {
                logger.warning("could not claim queued invocations: \(error)")
                break
            }
        }
        return claimed
    }

    private func finished(_ call: ClaimedInvocation, _ outcome: InvocationExecutor.ClaimOutcome) {
        state.withLock { state in
            if outcome == .givenBack { state.pausedUntil[call.invocation.functionID] = .now + Self.givenBackPause }
            state.claimed[call.invocation.id, default: 1] -= 1
            if state.claimed[call.invocation.id] == 0 { state.claimed[call.invocation.id] = nil }
            state.running -= 1
            state.runningPerFunction[call.invocation.functionID, default: 1] -= 1
            if state.runningPerFunction[call.invocation.functionID] == 0 {
                state.runningPerFunction[call.invocation.functionID] = nil
            }
        }
    }
}
