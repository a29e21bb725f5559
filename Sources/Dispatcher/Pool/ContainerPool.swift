// This file is a little over 300 lines: the pool's lock, the state under it and the work loop that
// carries out the state machine's actions share private state, which no other file should touch.

import Logging
import Synchronization

/// Carries out what `PoolStateMachine` decides.
///
/// The decisions are made under one lock, in a few microseconds, so that a warm call costs no actor
/// hop: take the lock, get an idle runner, call it, take the lock, give it back. The slow work the
/// decisions ask for (start, load, remove) runs in the tasks of `run()`, which a `Dispatcher` runs as
/// part of its own `run()`; callers only ever wait for a continuation.
final class ContainerPool: Sendable {
    enum Work: Sendable {
        case start(PoolRunnerID, FunctionDefinition?, FunctionConfiguration)
        case load(PoolRunnerID, LaunchedRunner, FunctionDefinition)
        case remove(LaunchedRunner)
    }

    private enum Phase { case idle, running, shuttingDown, finished }

    private struct State {
        var machine: PoolStateMachine
        var phase = Phase.idle
        /// Runners whose start finished; the machine's ids map to them.
        var runners: [PoolRunnerID: LaunchedRunner] = [:]
        /// Definitions of the functions the machine's keys stand for (their code is needed to start).
        var functions: [FunctionKey: FunctionDefinition] = [:]
        var continuations: [PoolWaiterID: CheckedContinuation<RunnerLease, any Error>] = [:]
        /// Waiters cancelled before they were queued.
        var cancelledEarly: Set<PoolWaiterID> = []
        var workInFlight = 0
        var candidates: [AdoptionCandidate]?
    }

    /// What to do once the lock is released.
    private enum Effect {
        case resume(CheckedContinuation<RunnerLease, any Error>, Result<RunnerLease, any Error>)
        case work(Work)
    }

    let launcher: RunnerLauncher
    private let warmPoolConfiguration: FunctionConfiguration
    private let keepWarm: Bool
    private let adoption: RunnerAdoption?
    private let logger: Logger
    private let state: Mutex<State>
    private let nextWaiter = Atomic<UInt64>(0)
    private let workStream: AsyncStream<Work>
    private let workQueue: AsyncStream<Work>.Continuation
    private let started = Signal()
    private let done = Signal()

    init(
        limits: PoolStateMachine.Limits, launcher: RunnerLauncher, warmPoolConfiguration: FunctionConfiguration,
        keepWarm: Bool, adoption: RunnerAdoption?, logger: Logger
    ) {
        self.launcher = launcher
        self.warmPoolConfiguration = warmPoolConfiguration
        self.keepWarm = keepWarm
        self.adoption = adoption
        self.logger = logger
        state = Mutex(State(machine: PoolStateMachine(limits: limits)))
        (workStream, workQueue) = AsyncStream.makeStream(of: Work.self)
    }

    // MARK: Calls

    /// A runner of `function` for one call: an idle one at once, a runner left warm by another
    /// process, or (after waiting) one started, loaded or freed for it.
    func acquire(_ function: FunctionDefinition) async throws -> RunnerLease {
        try Task.checkCancellation()
        if state.withLock({ $0.phase }) == .idle {
            // Started by `Dispatcher.withDispatcher` or a ServiceGroup in the same breath: allow a moment.
            guard await started.wait(timeout: .seconds(1)) else { throw DispatcherError.notRunning }
        }
        let now = ContinuousClock.now
        let (fast, effects) = state.withLock { state -> (RunnerLease?, [Effect]) in
            let (runner, actions) = state.machine.leaseIdle(function.key, now: now)
            return (runner.flatMap { id in state.runners[id].map { RunnerLease(id: id, runner: $0) } }, Self.resolve(actions, in: &state, pool: self))
        }
        apply(effects)
        if let fast { return fast }
        if let adopted = adoptCandidate(for: function, now: now) { return adopted }

        let id = PoolWaiterID(value: nextWaiter.wrappingAdd(1, ordering: .relaxed).newValue)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let effects = state.withLock { state -> [Effect] in
                    if state.cancelledEarly.remove(id) != nil {
                        return [.resume(continuation, .failure(CancellationError()))]
                    }
                    guard state.phase == .running else {
                        return [.resume(continuation, .failure(DispatcherError.shutDown))]
                    }
                    if state.functions[function.key] == nil { state.functions[function.key] = function }
                    let (outcome, actions) = state.machine.acquire(
                        function.key, waiter: id, concurrency: function.configuration.concurrency,
                        timeout: function.configuration.effectiveTimeout, now: .now)
                    var effects = Self.resolve(actions, in: &state, pool: self)
                    switch outcome {
                    case .leased(let runner):
                        if let launched = state.runners[runner] {
                            effects.append(.resume(continuation, .success(RunnerLease(id: runner, runner: launched))))
                        } else {
                            effects.append(.resume(continuation, .failure(DispatcherError.protocolViolation("leased an unknown runner"))))
                        }
                    case .queued:
                        state.continuations[id] = continuation
                    case .refused(let error):
                        effects.append(.resume(continuation, .failure(error)))
                    }
                    return effects
                }
                apply(effects)
            }
        } onCancel: {
            let effects = state.withLock { state -> [Effect] in
                let (wasWaiting, actions) = state.machine.cancel(id, now: .now)
                guard wasWaiting else {
                    state.cancelledEarly.insert(id)
                    return []
                }
                var effects = Self.resolve(actions, in: &state, pool: self)
                if let continuation = state.continuations.removeValue(forKey: id) {
                    effects.append(.resume(continuation, .failure(CancellationError())))
                }
                return effects
            }
            apply(effects)
        }
    }

    /// The call is over. `healthy: false` (timeout, crash, unknown state) removes the runner.
    /// Returns true when the runner went straight to a call that was waiting for one.
    @discardableResult
    func release(_ lease: RunnerLease, healthy: Bool) -> Bool {
        let effects = state.withLock { state in
            Self.resolve(state.machine.release(lease.id, healthy: healthy, now: .now), in: &state, pool: self)
        }
        if healthy { lease.runner.markUsed(now: UnixTime.now()) }
        apply(effects)
        return healthy && effects.contains { effect in
            if case .resume(_, .success(let next)) = effect { next.id == lease.id } else { false }
        }
    }

    /// After a call timed out and its runner was removed: a fresh runner for the function, started now
    /// so that the next call does not pay for it (only if it has none and there is room).
    func replenish(_ function: FunctionDefinition) {
        let effects = state.withLock { state -> [Effect] in
            if state.functions[function.key] == nil { state.functions[function.key] = function }
            return Self.resolve(state.machine.replenish(function.key, now: .now), in: &state, pool: self)
        }
        apply(effects)
    }

    /// Removes the runners of the functions `predicate` picks: now if idle, else when their call ends.
    func retire(where predicate: (FunctionDefinition) -> Bool) {
        let effects = state.withLock { state -> [Effect] in
            let keys = Set(state.functions.values.filter(predicate).map(\.key))
            guard !keys.isEmpty else { return [] }
            return Self.resolve(state.machine.retire(keys, now: .now), in: &state, pool: self)
        }
        apply(effects)
    }

    var isShutDown: Bool { state.withLock { $0.phase == .shuttingDown || $0.phase == .finished } }

    /// What the pool holds now, for monitoring and tests.
    func snapshot() -> [RunnerInfo] {
        state.withLock { state in
            let now = ContinuousClock.now
            return state.machine.runners.values.compactMap { runner -> RunnerInfo? in
                guard let launched = state.runners[runner.id] else { return nil }
                let busy = runner.phase != .idle
                return RunnerInfo(
                    id: launched.containerID, name: launched.name,
                    codeHash: runner.function.flatMap { state.functions[$0]?.codeHash },
                    busy: busy, idleSeconds: busy ? 0 : (now - runner.lastUsed).seconds)
            }.sorted { $0.name < $1.name }
        }
    }

    /// Calls waiting for a runner now, for tests.
    var waitingCallCount: Int { state.withLock { $0.machine.waiters.count } }

    // MARK: Adoption

    /// A runner another process left warm for exactly this function, locked and taken over.
    private func adoptCandidate(for function: FunctionDefinition, now: ContinuousClock.Instant) -> RunnerLease? {
        guard let adoption else { return nil }
        while let candidate = state.withLock({ state -> AdoptionCandidate? in
            if state.candidates == nil { state.candidates = adoption.candidates() }
            guard let index = state.candidates?.firstIndex(where: { $0.function == function.key.digest && $0.profile == function.key.profile })
            else { return nil }
            return state.candidates?.remove(at: index)
        }) {
            guard let runner = adoption.take(candidate) else { continue }
            let (lease, effects) = state.withLock { state -> (RunnerLease?, [Effect]) in
                guard state.phase == .running else { return (nil, []) }
                let (id, actions) = state.machine.adoptLeased(
                    function: function.key, profile: function.key.profile, idleFor: .seconds(candidate.idleSeconds),
                    ownIdleTTL: .seconds(candidate.runnerIdleTTLSeconds), now: now)
                let effects = Self.resolve(actions, in: &state, pool: self)
                guard let id else { return (nil, effects) }
                if state.functions[function.key] == nil { state.functions[function.key] = function }
                state.runners[id] = runner
                return (RunnerLease(id: id, runner: runner), effects)
            }
            apply(effects)
            if let lease {
                logger.debug("reusing \(runner.name), left warm by another process")
                return lease
            }
        }
        return nil
    }

    // MARK: Running

    /// Carries out starts, loads and removals, and keeps time (deadlines, idle expiry), until
    /// `shutDown()` has finished everything.
    func run() async {
        state.withLock { if $0.phase == .idle { $0.phase = .running } }
        started.fire()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepTime() }
            // Whatever the decisions so far asked for (a warm pool to fill).
            apply(state.withLock { Self.resolve($0.machine.tick(now: .now), in: &$0, pool: self) })
            for await work in workStream {
                group.addTask { await self.perform(work) }
            }
            group.cancelAll()
        }
        state.withLock { $0.phase = .finished }
        done.fire()
    }

    private func keepTime() async {
        while !Task.isCancelled {
            let next = state.withLock { $0.machine.nextDeadline() }
            let now = ContinuousClock.now
            let wait = min(max((next ?? now + .seconds(1)) - now, .milliseconds(5)), .milliseconds(250))
            do { try await Task.sleep(for: wait) } catch { return }
            apply(state.withLock { Self.resolve($0.machine.tick(now: .now), in: &$0, pool: self) })
        }
    }

    private func perform(_ work: Work) async {
        switch work {
        case .start(let id, let function, let configuration):
            let effects: [Effect]
            do {
                let launcher = self.launcher
                // Detached: a cancelled task cannot talk to the daemon, and a start cut short would leave
                // a container nobody knows about. The pool still waits for it.
                let runner = try await Task.detached {
                    try await launcher.launch(function, configuration: configuration)
                }.value
                effects = state.withLock { state in
                    state.runners[id] = runner
                    return Self.resolve(state.machine.ready(id, now: .now), in: &state, pool: self)
                }
            } catch {
                let error = (error as? DispatcherError) ?? .runnerStartFailed(reason: "\(error)")
                if function == nil { logger.warning("could not start a warm-pool runner: \(error)") }
                effects = state.withLock { state in
                    let blame: PoolStateMachine.Blame = RunnerLauncher.isFinal(error) ? .all : .oldest
                    return Self.resolve(state.machine.failed(id, error: error, blame: blame, now: .now), in: &state, pool: self)
                }
            }
            finish(effects)
        case .load(let id, let runner, let function):
            let effects: [Effect]
            do {
                let launcher = self.launcher
                try await Task.detached { try await launcher.load(function, into: runner) }.value
                launcher.recordLoaded(function, in: runner)
                effects = state.withLock { Self.resolve($0.machine.ready(id, now: .now), in: &$0, pool: self) }
            } catch {
                let error = (error as? DispatcherError) ?? .runnerStartFailed(reason: "\(error)")
                logger.debug("warm runner \(runner.name) could not load the function (\(error.summary))")
                effects = state.withLock { state in
                    let blame: PoolStateMachine.Blame = { if case .loadFailed = error { return .all } else { return .none } }()
                    return Self.resolve(state.machine.failed(id, error: error, blame: blame, now: .now), in: &state, pool: self)
                }
            }
            finish(effects)
        case .remove(let runner):
            let launcher = self.launcher
            await Task.detached { await launcher.remove(runner) }.value
            finish([])
        }
    }

    /// Applies the effects of finished work; the last work of a shutdown ends `run()`.
    private func finish(_ effects: [Effect]) {
        let done = state.withLock { state -> Bool in
            state.workInFlight -= 1
            return state.phase == .shuttingDown && state.workInFlight == 0
        }
        apply(effects)
        if done { workQueue.finish() }
    }

    /// Fails the waiting calls and removes the runners (or, with `keepWarm`, all but the idle ones,
    /// whose locks are let go for the next process); returns when everything under way is done.
    func shutDown() async {
        let (effects, idle) = state.withLock { state -> ([Effect], Bool) in
            switch state.phase {
            case .idle:
                state.phase = .finished
                return ([], true)
            case .shuttingDown, .finished:
                return ([], false)
            case .running:
                state.phase = .shuttingDown
                let effects = Self.resolve(state.machine.shutDown(keepWarm: keepWarm), in: &state, pool: self)
                // Kept warm: the idle ones are let go of (and their locks). Runners still loading stay
                // until their load ends and removes them.
                // Released explicitly: a reference still held elsewhere must not keep the next
                // process from adopting them.
                for id in state.machine.runners.values.filter({ $0.phase == .idle }).map(\.id) {
                    state.runners.removeValue(forKey: id)?.lock.release()
                }
                return (effects, state.workInFlight == 0)
            }
        }
        apply(effects)
        if idle { workQueue.finish() }
        if started.hasFired { await done.wait() }
    }

    // MARK: Effects

    /// Turns the machine's actions into effects, with the lock held: continuations are taken out of
    /// the table, work is counted.
    private static func resolve(_ actions: [PoolStateMachine.Action], in state: inout State, pool: ContainerPool) -> [Effect] {
        var effects: [Effect] = []
        for action in actions {
            switch action {
            case .lease(let waiter, let runner):
                guard let continuation = state.continuations.removeValue(forKey: waiter) else { continue }
                if let launched = state.runners[runner] {
                    effects.append(.resume(continuation, .success(RunnerLease(id: runner, runner: launched))))
                } else {
                    effects.append(.resume(continuation, .failure(DispatcherError.protocolViolation("leased an unknown runner"))))
                }
            case .fail(let waiter, let error):
                if let continuation = state.continuations.removeValue(forKey: waiter) {
                    effects.append(.resume(continuation, .failure(error)))
                }
            case .start(let runner, let function, _):
                let definition = function.flatMap { state.functions[$0] }
                let configuration = definition?.configuration ?? pool.warmPoolConfiguration
                state.workInFlight += 1
                effects.append(.work(.start(runner, definition, configuration)))
            case .load(let runner, let function):
                guard let launched = state.runners[runner], let definition = state.functions[function] else { continue }
                state.workInFlight += 1
                effects.append(.work(.load(runner, launched, definition)))
            case .remove(let runner):
                guard let launched = state.runners.removeValue(forKey: runner) else { continue }
                state.workInFlight += 1
                effects.append(.work(.remove(launched)))
            }
        }
        if actions.contains(where: { if case .remove = $0 { return true } else { return false } }) {
            forgetUnusedFunctions(in: &state)
        }
        return effects
    }

    /// Definitions no runner or waiting call refers to any more.
    private static func forgetUnusedFunctions(in state: inout State) {
        var used = Set(state.machine.runners.values.compactMap(\.function))
        used.formUnion(state.machine.waiters.map(\.function))
        state.functions = state.functions.filter { used.contains($0.key) }
    }

    private func apply(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .resume(let continuation, let result): continuation.resume(with: result)
            case .work(let work): workQueue.yield(work)
            }
        }
    }
}
