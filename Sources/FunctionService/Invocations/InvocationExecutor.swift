import Dispatcher
import FunctionPackages
import FunctionRegistry
import Logging
import RunnerProtocol
import ServiceProtocol
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs one call of a function version, sync or async, and keeps its record and the metrics: the one
/// place where an invocation's outcome becomes a status.
struct InvocationExecutor: Sendable {
    let store: any FunctionStore
    let dispatcher: Dispatcher
    let catalog: FunctionCatalog
    let metrics: ServiceMetrics
    let recorder: InvocationRecorder
    let instance: InstanceIdentity
    let logger: Logger

    /// A sync call: recorded as running once it has a runner (so a crash leaves it `interrupted`,
    /// not unknown), then recorded with its outcome; the recorder writes both behind the call. While
    /// it waits for a runner (the function's concurrency is reached) it is not running, and has no
    /// record yet: most calls then end within the recorder's batch delay of their start, and are
    /// written once. Returns the record's id with the result or the error, and how long it ran
    /// (`Timed.duration`). `pinned`: the caller named
    /// the version (`FunctionCatalog.definition(of:pinned:)`).
    func invoke(_ version: FunctionVersion, pinned: Bool, payload: [UInt8], logTail: Bool) async
        -> (id: String, outcome: Result<InvocationResult, DispatcherError>, duration: Duration)
    {
        let arrived = SyncInvocationRecord(startingNow: version, instance: instance)
        let recorder = self.recorder
        let timed = await run(
            version, pinned: pinned, payload: payload, logTail: logTail, invocationID: arrived.id,
            whenStarted: { date in recorder.running(arrived.started(at: date)) })
        let record = arrived.started(at: timed.startedAt ?? arrived.startedAt)
        await recorder.ended(record.finished(finalOutcome(of: timed, functionID: version.functionID, function: version.functionName, keepResult: false)))
        return (arrived.id, timed.outcome, timed.duration)
    }

    /// An async call: queued in the registry. The records of this process's sync calls still waiting
    /// to be written go first: the registry numbers records in the order they are written, and lists
    /// them newest first in that order, so a sync call answered before this one must not be listed as
    /// newer. The 202 then waits for that write (or one under way), not for the batch delay. Records
    /// of other serve processes, and records put back after a failed write, are still numbered when
    /// they are written.
    ///
    /// An input that is not JSON is refused here (`invalidPayload`, a 400), as a sync call's is by its
    /// runner, instead of being queued to fail later.
    func enqueue(_ version: FunctionVersion, pinned: Bool, input: [UInt8]) async throws -> Invocation {
        guard await Dispatcher.isJSON(input) else {
            throw DispatcherError.invalidPayload(type: RunnerErrorType.invalidRequest, message: "the input is not JSON")
        }
        await recorder.flush()
        return try await store.enqueueAsync(of: version, input: input, pinned: pinned)
    }

    /// What became of a claimed call, for the worker: `givenBack` calls are queued again (no runner
    /// could be had, the registry failed, or serve is stopping), and the worker waits before it
    /// claims more of that function.
    enum ClaimOutcome: Sendable, Equatable {
        case done
        case givenBack
    }

    /// The version a claimed call runs, read once: the worker counts the call against its
    /// concurrency, and `run` runs it or, if the function is gone (deleted, or deleted and deployed
    /// again since the call was queued), cancels it.
    func version(of claimed: ClaimedInvocation) async -> Result<FunctionVersion, RegistryError> {
        let invocation = claimed.invocation
        do throws(RegistryError) {
            let version = try await store.version(of: invocation.functionName, number: invocation.version)
            guard version.functionID == invocation.functionID else { throw RegistryError.functionNotFound(name: invocation.functionName) }
            return .success(version)
        } catch {
            return .failure(error)
        }
    }

    /// A queued call this instance claimed: run at most once, whatever happens, and never lost. It is
    /// still `queued` while it waits for a runner (sync calls may hold the function's others); once it
    /// has one, it is marked running (`startClaimed`) before it is sent, and is not sent if it is no
    /// longer this instance's to run (its function was deleted meanwhile, which cancelled it, or its
    /// claim was taken back). A call that never started goes back to the queue unless its own code is
    /// why: serve is stopping (`stillClaiming` false), the registry could not be asked, or a runner
    /// could not be had (Docker, the function's concurrency and queue full of sync calls). Code that
    /// does not load, or outlasts its timeout or memory while loading, or a package that cannot be
    /// prepared, is the call's failure.
    func run(
        _ claimed: ClaimedInvocation, version read: Result<FunctionVersion, RegistryError>, stillClaiming: @escaping @Sendable () -> Bool
    ) async -> ClaimOutcome {
        let invocation = claimed.invocation
        let version: FunctionVersion
        switch read {
        case .success(let found):
            version = found
        case .failure(let error) where error.isNotFound:
            // Deleted (and perhaps deployed again) since it was queued.
            let cancelled = InvocationOutcome(
                status: .cancelled, error: InvocationError(type: InvocationError.cancelledType, message: "the function was deleted before the call ran"))
            _ = try? await store.finishClaimed(id: invocation.id, by: instance, outcome: cancelled)
            return .done
        case .failure(let error):
            return await giveBack(invocation.id, because: "its version could not be read: \(error)")
        }
        guard stillClaiming() else { return await giveBack(invocation.id, because: "serve is stopping") }
        let start = ClaimedStart(store: store, id: invocation.id, instance: instance, stillClaiming: stillClaiming)
        let timed = await run(
            version, pinned: claimed.pinned, payload: claimed.input, logTail: true, invocationID: invocation.id,
            beforeSending: { try await start.begin() })
        switch start.state {
        case .started:
            let final = finalOutcome(of: timed, functionID: invocation.functionID, function: invocation.functionName, keepResult: true)
            await record(invocation.id) { try await store.finishRunning(id: invocation.id, outcome: final) }
            return .done
        case .notOurs:
            return .done
        case .stopping:
            return await giveBack(invocation.id, because: "serve is stopping")
        case .unconfirmed:
            return await giveBack(invocation.id, because: "its start could not be written")
        case .waiting:
            guard case .failure(let error) = timed.outcome, timed.packageUnusable || Self.isTheCodesOwn(error) else {
                let why = if case .failure(let error) = timed.outcome { error.summary } else { "it did not start" }
                return await giveBack(invocation.id, because: "no runner: \(why)")
            }
            let final = finalOutcome(of: timed, functionID: invocation.functionID, function: invocation.functionName, keepResult: true)
            await record(invocation.id) { try await store.finishClaimed(id: invocation.id, by: instance, outcome: final) }
            return .done
        }
    }

    /// A failure before the call was sent that its code caused, and another try would meet again.
    /// A configuration refused at this point is the service's (a version that deployed, a package
    /// the host could not link): the call goes back to the queue, as for a runner that did not start.
    private static func isTheCodesOwn(_ error: DispatcherError) -> Bool {
        switch error.fault {
        case .didNotLoad, .timedOut, .outOfMemory: true
        case .raised, .invalidInput, .inputTooLarge, .unusableResult, .runnerFailed, .throttled, .unavailable, .stopping, .invalidConfiguration: false
        }
    }

    /// Whether a package that could not be prepared is at fault itself (its files, its requirements:
    /// tried again every few seconds, a requirement the index does not have would be fetched for
    /// ever), rather than the host (no installer, the index unreachable, the disk).
    private static func isThePackagesOwn(_ error: any Error) -> Bool {
        switch error {
        case is PackageError, is RequirementsError: true
        case let error as DependencyError: error.isTheRequirementsFault
        default: false
        }
    }

    /// Puts a claimed call that was never sent back in the queue, tried again for a while if the
    /// registry does not answer. If it never does, a claimed row goes back with the worker's next
    /// sweep for lost claims, but a `running` one (its start written, the answer lost) stays so until
    /// this serve stops, and is then marked `interrupted` though it never ran.
    private func giveBack(_ id: String, because why: String) async -> ClaimOutcome {
        for attempt in 0..<5 {
            do {
                try await store.releaseClaim(id: id, by: instance)
                // Said, so that an operator can see why an async call waits.
                logger.info("invocation \(id) goes back to the queue: \(why)")
                return .givenBack
            } catch {
                guard attempt < 4 else {
                    logger.warning("could not put invocation \(id) back in the queue: \(error)")
                    break
                }
                try? await Task.sleep(for: .seconds(1 << attempt))
            }
        }
        return .givenBack
    }

    private func record(_ id: String, _ write: () async throws -> Invocation) async {
        do {
            _ = try await write()
        } catch {
            logger.warning("could not record the end of invocation \(id): \(error)")
        }
    }

    /// How far a claimed call got towards its runner: the hook `Dispatcher.invoke` calls once it has
    /// one decides whether the call is sent.
    private final class ClaimedStart: Sendable {
        enum State { case waiting, started, notOurs, stopping, unconfirmed }

        let store: any FunctionStore
        let id: String
        let instance: InstanceIdentity
        let stillClaiming: @Sendable () -> Bool
        private let current = Mutex(State.waiting)

        init(store: any FunctionStore, id: String, instance: InstanceIdentity, stillClaiming: @escaping @Sendable () -> Bool) {
            self.store = store
            self.id = id
            self.instance = instance
            self.stillClaiming = stillClaiming
        }

        var state: State { current.withLock { $0 } }

        /// Marks the call running, or throws (the call is not sent): serve is stopping, the call is
        /// no longer this instance's, or the registry could not be asked (then it must not run: had
        /// the write gone through unseen, running it could run it twice after a restart).
        func begin() async throws {
            guard stillClaiming() else {
                current.withLock { $0 = .stopping }
                throw DispatcherError.shutDown
            }
            let started: Bool
            do {
                started = try await store.startClaimed(id: id, by: instance)
            } catch {
                current.withLock { $0 = .unconfirmed }
                throw error
            }
            current.withLock { $0 = started ? .started : .notOurs }
            if !started { throw NotOurs() }
        }

        /// Thrown through `Dispatcher.invoke` so that the call is not sent; its outcome is not used.
        struct NotOurs: Error {}
    }

    /// How a call ended, and how long it took, failed or not: from when it got its runner (or, if
    /// it never did, from when it was asked for), not counting a wait for one.
    struct Timed: Sendable {
        var outcome: Result<InvocationResult, DispatcherError>
        var duration: Duration
        /// When it got its runner; nil if it never did.
        var startedAt: Date?
        /// Its runner was started for it.
        var coldStart: Bool
        /// Its package could not be extracted, or its dependencies installed: no runner was sought.
        var packageUnusable = false
    }

    /// When a call got its runner, and whether the runner was started for it, as `Dispatcher.invoke`'s
    /// `whenStarted` says.
    private final class StartMark: Sendable {
        private let state = Mutex<(instant: ContinuousClock.Instant, date: Date, coldStart: Bool)?>(nil)

        func mark(coldStart: Bool) -> Date {
            let now = (instant: ContinuousClock.now, date: Date(), coldStart: coldStart)
            state.withLock { $0 = now }
            return now.date
        }

        var value: (instant: ContinuousClock.Instant, date: Date, coldStart: Bool)? { state.withLock { $0 } }
    }

    /// `invocationID` is the record's: the function sees it as `context.aws_request_id`.
    private func run(
        _ version: FunctionVersion, pinned: Bool, payload: [UInt8], logTail: Bool, invocationID: String,
        whenStarted: ((Date) -> Void)? = nil, beforeSending: (() async throws -> Void)? = nil
    ) async -> Timed {
        let asked = ContinuousClock.now
        let start = StartMark()
        let outcome: Result<InvocationResult, DispatcherError>
        var packageUnusable = false
        do {
            let definition = try await catalog.definition(of: version, pinned: pinned)
            outcome = .success(
                try await dispatcher.invoke(
                    definition, payload: payload, logTail: logTail, invocationID: invocationID,
                    whenStarted: { coldStart in
                        try await beforeSending?()
                        let date = start.mark(coldStart: coldStart)
                        whenStarted?(date)
                    }))
        } catch let error as DispatcherError {
            outcome = .failure(Self.atInvoke(error, of: version))
        } catch is CancellationError {
            // Its task was cancelled while it waited for a runner: serve is stopping.
            outcome = .failure(.shutDown)
        } catch let error as RegistryError {
            // The version's code could not be read: the registry's failure, not the function's.
            outcome = .failure(.runnerStartFailed(reason: "the function's code could not be read from the registry: \(error)"))
        } catch {
            // Its package could not be extracted or its dependencies reinstalled (say, after the
            // state directory was wiped and the index is unreachable).
            outcome = .failure(.runnerStartFailed(reason: "the function's package could not be prepared: \(error)"))
            packageUnusable = Self.isThePackagesOwn(error)
        }
        let started = start.value
        return Timed(
            outcome: outcome, duration: ContinuousClock.now - (started?.instant ?? asked), startedAt: started?.date,
            coldStart: started?.coldStart ?? false, packageUnusable: packageUnusable)
    }

    /// A failure to load a deployed version in a new runner, in the terms of a call's failure, so that
    /// the native API's status, Lambda's function error and the record's status all follow from one
    /// error: a load that ran past the function's timeout is the call's timeout (504, `Sandbox.Timedout`,
    /// `timed_out`), and one that ran out of memory the call's (502, `Runtime.OutOfMemory`). What is
    /// left of `loadFailed` is the module's own failure (it raised or exited): the function's error.
    static func atInvoke(_ error: DispatcherError, of version: FunctionVersion) -> DispatcherError {
        guard case .loadFailed(let type, _, _) = error else { return error }
        switch type {
        case LoadFailureType.timedOut: return .timedOut(seconds: version.settings.timeoutSeconds)
        case LoadFailureType.outOfMemory: return .outOfMemory(limitBytes: version.settings.memoryBytes)
        default: return error
        }
    }

    /// How a call ended, as recorded; counted in the metrics.
    private func finalOutcome(of timed: Timed, functionID: Int64, function: String, keepResult: Bool) -> InvocationOutcome {
        switch timed.outcome {
        case .success(let result):
            metrics.invocation(functionID: functionID, function: function, outcome: "succeeded", duration: timed.duration, coldStart: timed.coldStart)
            return .succeeded(result: keepResult ? result.json : nil, durationMS: timed.duration.milliseconds, logTail: result.logTail)
        case .failure(let error):
            let (status, type) = Self.classify(error)
            metrics.invocation(
                functionID: functionID, function: function, outcome: Self.metricsOutcome(error) ?? status.rawValue, duration: timed.duration,
                coldStart: timed.coldStart)
            return InvocationOutcome(
                status: status, durationMS: timed.duration.milliseconds, error: InvocationError(type: type, message: error.summary),
                logTail: error.logTail)
        }
    }

    /// Calls refused before they ran, counted apart from the function's failures (as Lambda counts
    /// throttles apart), so that an alert on `outcome="failed"` is about the function: `throttled`
    /// (its concurrency and queue were full, a 429) and `invalid_input` (the input was not JSON, or
    /// too large). Their records still say `failed`, with the error type. Nil: the record's status.
    static func metricsOutcome(_ error: DispatcherError) -> String? {
        switch error.fault {
        case .throttled: "throttled"
        case .invalidInput, .inputTooLarge: "invalid_input"
        case .raised, .didNotLoad, .unusableResult, .timedOut, .outOfMemory, .runnerFailed, .unavailable, .stopping, .invalidConfiguration: nil
        }
    }

    /// The status a failed call is recorded with, and its error type: the type its invoke answered
    /// (`ServiceHTTPError(invoking:)`), so that the record says what the caller was told. (Its log
    /// tail is the error's own, `DispatcherError.logTail`.)
    static func classify(_ error: DispatcherError) -> (InvocationStatus, String) {
        switch error.fault {
        case .timedOut: (.timedOut, ServiceErrorType.timeout)
        case .stopping: (.interrupted, InvocationError.interruptedType)
        case .raised, .didNotLoad, .invalidInput, .inputTooLarge, .unusableResult, .outOfMemory, .runnerFailed, .throttled, .unavailable,
            .invalidConfiguration:
            (.failed, ServiceHTTPError(invoking: error, logTail: false).body.error.type)
        }
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
