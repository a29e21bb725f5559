// This file is a little over 300 lines: it is the whole scheduling policy of the pool (reuse, warm
// pool, scale-out, queueing, fairness, eviction, expiry), which reads best in one place.

/// Every scheduling decision of the container pool, and nothing else: which runner a call gets, who
/// waits, what to start, load, or remove. Synchronous and free of I/O, so that it can be tested
/// exhaustively without Docker (in the style of NIO's and AsyncHTTPClient's connection pools); the
/// `ContainerPool` carries out the actions it returns.
///
/// Fairness: a runner that becomes idle, or a slot that frees up, goes to the longest-waiting call that
/// it can serve, of any function. A runner of function A serves A's calls directly, and serves a call
/// of function B by being removed to make room for B's runner. So when the pool is full, B's calls are
/// not starved by A's steady stream.
struct PoolStateMachine: Sendable {
    struct Limits: Sendable {
        var maxContainers = 16
        /// Used for calls that do not bring their own concurrency.
        var maxContainersPerFunction = 4
        /// Calls of one function that may wait with no runner starting for them.
        var maxQueuedPerFunction = 64
        var warmPoolSize = 0
        var warmPoolProfile = ContainerProfile(key: "")
        /// Idle runners are removed after this long.
        var idleTTL: Duration = .seconds(300)
        /// The idle TTL runners get for themselves (they exit when no dispatcher is left to remove them).
        var runnerIdleTTL: Duration = .seconds(360)
        /// A runner whose own idle TTL ends within this is not handed out.
        var handOutMargin: Duration = .seconds(2)
        /// After a warm-pool runner failed to start, no new one is tried for this long.
        var refillBackoff: Duration = .seconds(5)
    }

    enum Action: Sendable, Equatable {
        /// Resume the waiting call with this runner.
        case lease(PoolWaiterID, PoolRunnerID)
        case fail(PoolWaiterID, DispatcherError)
        /// Create and start a container; with a function, also load it.
        case start(PoolRunnerID, FunctionKey?, ContainerProfile)
        /// Load the function into an idle generic runner.
        case load(PoolRunnerID, FunctionKey)
        /// Remove the runner's container and directories.
        case remove(PoolRunnerID)
    }

    enum AcquireOutcome: Sendable, Equatable {
        case leased(PoolRunnerID)
        /// Wait for a `.lease` or `.fail` action naming this waiter.
        case queued(PoolWaiterID)
        case refused(DispatcherError)
    }

    let limits: Limits
    private(set) var runners: [PoolRunnerID: PoolRunner] = [:]
    /// Oldest first.
    private(set) var waiters: [PoolWaiter] = []
    private(set) var isShutDown = false
    private var nextRunner: UInt64 = 0
    private var refillBlockedUntil: ContinuousClock.Instant?
    /// Functions whose runners go as soon as they are idle (the function was deleted).
    private var retired: Set<FunctionKey> = []

    init(limits: Limits) {
        self.limits = limits
    }

    // MARK: Calls

    /// An idle runner of `function` for a call, if there is one: the fast path, which queues nothing.
    mutating func leaseIdle(_ function: FunctionKey, now: ContinuousClock.Instant) -> (PoolRunnerID?, [Action]) {
        guard !isShutDown else { return (nil, []) }
        var actions: [Action] = []
        let runner = takeIdle(function, now: now, actions: &actions)
        return (runner, actions)
    }

    /// A call of `function` wants a runner: one now, or it waits as `waiter` (a fresh id).
    mutating func acquire(
        _ function: FunctionKey, waiter id: PoolWaiterID, concurrency: Int? = nil, timeout: Duration,
        now: ContinuousClock.Instant
    ) -> (AcquireOutcome, [Action]) {
        guard !isShutDown else { return (.refused(.shutDown), []) }
        retired.remove(function)
        var actions: [Action] = []
        if let runner = takeIdle(function, now: now, actions: &actions) {
            return (.leased(runner), actions)
        }
        let waiter = PoolWaiter(
            id: id, function: function, concurrency: concurrency ?? limits.maxContainersPerFunction,
            deadline: now + timeout, timeout: timeout)
        waiters.append(waiter)
        actions += schedule(now: now)
        if let lease = actions.firstIndex(where: { if case .lease(waiter.id, _) = $0 { return true } else { return false } }),
            case .lease(_, let runner) = actions[lease]
        {
            actions.remove(at: lease)
            return (.leased(runner), actions)
        }
        // Waiting with no runner coming for it: only up to the queue limit.
        let waiting = waiters.count { $0.function == function }
        let coming = runners.values.count { $0.function == function && ($0.phase == .starting || $0.phase == .loading) }
        if waiting - coming > limits.maxQueuedPerFunction {
            waiters.removeAll { $0.id == waiter.id }
            return (.refused(.tooManyConcurrentInvocations(limit: waiter.concurrency, queued: waiting - coming - 1)), actions)
        }
        return (.queued(waiter.id), actions)
    }

    /// The call on `runner` is over. An unhealthy runner (timeout, crash, unknown state) is removed.
    mutating func release(_ runner: PoolRunnerID, healthy: Bool, now: ContinuousClock.Instant) -> [Action] {
        guard var entry = runners[runner] else { return schedule(now: now) }
        guard healthy, !isShutDown, !(entry.function.map(retired.contains) ?? false) else {
            runners[runner] = nil
            return [.remove(runner)] + schedule(now: now)
        }
        entry.phase = .idle
        entry.lastUsed = now
        runners[runner] = entry
        return schedule(now: now)
    }

    /// The waiting call gave up (cancelled). False when it was no longer waiting: a `.lease` or
    /// `.fail` for it is already on its way.
    mutating func cancel(_ waiter: PoolWaiterID, now: ContinuousClock.Instant) -> (Bool, [Action]) {
        guard waiters.contains(where: { $0.id == waiter }) else { return (false, []) }
        waiters.removeAll { $0.id == waiter }
        return (true, schedule(now: now))
    }

    // MARK: Runners starting and loading

    /// A `.start` or `.load` finished: the runner is ready for its function (or, generic, for any).
    mutating func ready(_ runner: PoolRunnerID, now: ContinuousClock.Instant) -> [Action] {
        guard var entry = runners[runner] else { return [.remove(runner)] + schedule(now: now) }
        if isShutDown {
            runners[runner] = nil
            return [.remove(runner)]
        }
        entry.phase = .idle
        entry.lastUsed = now
        runners[runner] = entry
        return schedule(now: now)
    }

    /// Which waiting calls of a function a failed start or load fails.
    enum Blame: Sendable {
        /// Every call of the function would get this error (its code does not load).
        case all
        /// The oldest call gets it; the others may try again.
        case oldest
        /// Nobody: another runner is tried (a warm runner broke while loading).
        case none
    }

    /// A `.start` or `.load` failed.
    mutating func failed(
        _ runner: PoolRunnerID, error: DispatcherError, blame: Blame, now: ContinuousClock.Instant
    ) -> [Action] {
        let function = runners[runner]?.function
        runners[runner] = nil
        var actions: [Action] = [.remove(runner)]
        if let function {
            let affected = waiters.filter { $0.function == function }
            let blamed = blame == .all ? affected : blame == .oldest ? Array(affected.prefix(1)) : []
            for waiter in blamed {
                actions.append(.fail(waiter.id, error))
                waiters.removeAll { $0.id == waiter.id }
            }
        } else {
            refillBlockedUntil = now + limits.refillBackoff
        }
        if isShutDown { return actions }
        return actions + schedule(now: now)
    }

    /// A runner another process left warm, taken over (its lock is held) and leased at once to the call
    /// that found it. Nil when there is no room for it (the pool is full of busy runners); the actions
    /// make room by removing the least recently used idle runner.
    mutating func adoptLeased(
        function: FunctionKey, profile: ContainerProfile, idleFor: Duration, ownIdleTTL: Duration,
        now: ContinuousClock.Instant
    ) -> (PoolRunnerID?, [Action]) {
        guard !isShutDown else { return (nil, []) }
        var actions: [Action] = []
        guard makeRoom(actions: &actions) else { return (nil, actions) }
        retired.remove(function)
        let id = makeRunnerID()
        runners[id] = PoolRunner(
            id: id, profile: profile, function: function, phase: .leased, lastUsed: now - idleFor, ownIdleTTL: ownIdleTTL)
        return (id, actions)
    }

    /// After a call timed out and its runner was removed: starts a fresh runner for the function now,
    /// so that the next call does not pay for it, if the function has none and there is room without
    /// evicting anything.
    mutating func replenish(_ function: FunctionKey, now: ContinuousClock.Instant) -> [Action] {
        guard !isShutDown, !runners.values.contains(where: { $0.function == function }),
            runners.count < limits.maxContainers
        else { return [] }
        let id = makeRunnerID()
        runners[id] = PoolRunner(
            id: id, profile: function.profile, function: function, phase: .starting, lastUsed: now,
            ownIdleTTL: limits.runnerIdleTTL)
        return [.start(id, function, function.profile)]
    }

    /// The functions are gone (deleted): their idle runners are removed now, the busy ones when their
    /// call ends. A later call of the same function brings it back.
    mutating func retire(_ functions: Set<FunctionKey>, now: ContinuousClock.Instant) -> [Action] {
        retired.formUnion(functions)
        var actions: [Action] = []
        for runner in runners.values.sorted(by: { $0.id < $1.id }) where runner.phase == .idle {
            if let function = runner.function, functions.contains(function) {
                runners[runner.id] = nil
                actions.append(.remove(runner.id))
            }
        }
        return actions + schedule(now: now)
    }

    // MARK: Time and shutdown

    /// Fails calls past their deadline, removes runners idle too long (or about to exit by themselves),
    /// and refills the warm pool.
    ///
    /// A call that a runner is starting or loading for does not time out in the queue: a cold start is
    /// not the function's run time (as with Lambda's separate init phase), and the start has its own
    /// limit, whose failure fails the call.
    mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        let covered = waitersCoveredByComingRunners()
        let expired = Set(waiters.filter { $0.deadline <= now && !covered.contains($0.id) }.map(\.id))
        for waiter in waiters where expired.contains(waiter.id) {
            actions.append(.fail(waiter.id, .queueTimedOut(seconds: waiter.timeout.seconds)))
        }
        waiters.removeAll { expired.contains($0.id) }
        for runner in runners.values where runner.phase == .idle {
            if now - runner.lastUsed >= limits.idleTTL || !runner.isFresh(at: now, margin: limits.handOutMargin) {
                runners[runner.id] = nil
                actions.append(.remove(runner.id))
            }
        }
        return actions + schedule(now: now)
    }

    /// The earliest moment `tick` has something to do.
    func nextDeadline() -> ContinuousClock.Instant? {
        let covered = waitersCoveredByComingRunners()
        let waiting = waiters.filter { !covered.contains($0.id) }.map(\.deadline).min()
        let expiring = runners.values.filter { $0.phase == .idle }.map {
            min($0.lastUsed + limits.idleTTL, $0.lastUsed + $0.ownIdleTTL - limits.handOutMargin)
        }.min()
        return [waiting, expiring, refillBlockedUntil].compactMap { $0 }.min()
    }

    /// Fails every waiting call and removes runners: all of them, or with `keepWarm` only those that
    /// are not idle (a call cut short leaves its runner in no known state). Starts still under way
    /// remove their runner when they finish.
    mutating func shutDown(keepWarm: Bool) -> [Action] {
        isShutDown = true
        var actions = waiters.map { Action.fail($0.id, .shutDown) }
        waiters.removeAll()
        for runner in runners.values.sorted(by: { $0.id < $1.id }) where runner.phase != .starting && runner.phase != .loading {
            if keepWarm && runner.phase == .idle { continue }
            runners[runner.id] = nil
            actions.append(.remove(runner.id))
        }
        return actions
    }

    /// The oldest waiting calls of each function, as many as it has runners starting or loading: each
    /// of them gets one of those runners when it is ready.
    private func waitersCoveredByComingRunners() -> Set<PoolWaiterID> {
        var supply: [FunctionKey: Int] = [:]
        for runner in runners.values where runner.phase == .starting || runner.phase == .loading {
            if let function = runner.function { supply[function, default: 0] += 1 }
        }
        var covered: Set<PoolWaiterID> = []
        for waiter in waiters where supply[waiter.function, default: 0] > 0 {
            supply[waiter.function]! -= 1
            covered.insert(waiter.id)
        }
        return covered
    }

    // MARK: The allocator

    /// What one walk of `schedule` has learnt about a function.
    private struct FunctionTally {
        /// It had no idle runner: none becomes idle during the walk, so the calls queued behind the
        /// first (at 16 connections on 2 runners, 14 of them) do not look again.
        var noIdleRunner = false
        /// Its runners starting or loading: each will take one of its waiting calls.
        var coming = 0
        /// Its calls met so far in the walk that are still waiting.
        var waiting = 0
        /// All its runners, counted when first needed (once it has no idle runner, only this walk's
        /// starts and loads change the count).
        var runners: Int?
    }

    /// Serves waiting calls, oldest first: an idle runner of their function; else a runner already
    /// starting for them; else, within the function's concurrency, a warm generic runner to load, or a
    /// new container (evicting the least recently used idle runner when the pool is full).
    private mutating func schedule(now: ContinuousClock.Instant) -> [Action] {
        guard !isShutDown else { return [] }
        var actions: [Action] = []
        // One tally read and written back per waiting call: this walk runs at every acquire and release.
        var tallies: [FunctionKey: FunctionTally] = [:]
        for runner in runners.values where runner.phase == .starting || runner.phase == .loading {
            if let function = runner.function { tallies[function, default: FunctionTally()].coming += 1 }
        }
        var full = false
        var index = 0
        while index < waiters.count {
            let waiter = waiters[index]
            var tally = tallies[waiter.function] ?? FunctionTally()
            if !tally.noIdleRunner {
                if let runner = takeIdle(waiter.function, now: now, actions: &actions) {
                    actions.append(.lease(waiter.id, runner))
                    waiters.remove(at: index)
                    continue
                }
                tally.noIdleRunner = true
            }
            index += 1
            defer { tallies[waiter.function] = tally }
            tally.waiting += 1
            if tally.waiting <= tally.coming { continue }
            let count = tally.runners ?? runners.values.count(where: { $0.function == waiter.function })
            tally.runners = count
            if count >= waiter.concurrency { continue }
            if let generic = idleGeneric(waiter.function.profile, now: now) {
                runners[generic]?.function = waiter.function
                runners[generic]?.phase = .loading
                actions.append(.load(generic, waiter.function))
                tally.coming += 1
                tally.runners = count + 1
                continue
            }
            guard !full, makeRoom(actions: &actions) else {
                full = true
                continue
            }
            let id = makeRunnerID()
            runners[id] = PoolRunner(
                id: id, profile: waiter.function.profile, function: waiter.function, phase: .starting, lastUsed: now,
                ownIdleTTL: limits.runnerIdleTTL)
            actions.append(.start(id, waiter.function, waiter.function.profile))
            tally.coming += 1
            tally.runners = count + 1
        }
        // The warm pool is refilled only when no call needs the room, and never in front of a /load.
        if !full && !runners.values.contains(where: { $0.phase == .loading }) {
            refill(now: now, actions: &actions)
        }
        return actions
    }

    private mutating func refill(now: ContinuousClock.Instant, actions: inout [Action]) {
        if let blocked = refillBlockedUntil {
            guard now >= blocked else { return }
            refillBlockedUntil = nil
        }
        var generic = runners.values.count { $0.function == nil && $0.profile == limits.warmPoolProfile }
        while generic < limits.warmPoolSize && runners.count < limits.maxContainers {
            let id = makeRunnerID()
            runners[id] = PoolRunner(
                id: id, profile: limits.warmPoolProfile, function: nil, phase: .starting, lastUsed: now,
                ownIdleTTL: limits.runnerIdleTTL)
            actions.append(.start(id, nil, limits.warmPoolProfile))
            generic += 1
        }
    }

    /// The most recently used fresh idle runner of `function`, now leased; stale ones met on the way
    /// are removed.
    private mutating func takeIdle(
        _ function: FunctionKey, now: ContinuousClock.Instant, actions: inout [Action]
    ) -> PoolRunnerID? {
        while let runner = runners.values.lazy.filter({ $0.function == function && $0.phase == .idle })
            .max(by: { $0.lastUsed < $1.lastUsed })
        {
            guard runner.isFresh(at: now, margin: limits.handOutMargin) else {
                runners[runner.id] = nil
                actions.append(.remove(runner.id))
                continue
            }
            runners[runner.id]?.phase = .leased
            return runner.id
        }
        return nil
    }

    private func idleGeneric(_ profile: ContainerProfile, now: ContinuousClock.Instant) -> PoolRunnerID? {
        runners.values.lazy.filter {
            $0.function == nil && $0.profile == profile && $0.phase == .idle
                && $0.isFresh(at: now, margin: limits.handOutMargin)
        }.max(by: { $0.lastUsed < $1.lastUsed })?.id
    }

    /// True when one more runner fits, removing the least recently used idle runner if that is what
    /// it takes.
    private mutating func makeRoom(actions: inout [Action]) -> Bool {
        if runners.count < limits.maxContainers { return true }
        guard let victim = runners.values.lazy.filter({ $0.phase == .idle }).min(by: { $0.lastUsed < $1.lastUsed }) else {
            return false
        }
        runners[victim.id] = nil
        actions.append(.remove(victim.id))
        return true
    }

    private mutating func makeRunnerID() -> PoolRunnerID {
        nextRunner += 1
        return PoolRunnerID(value: nextRunner)
    }
}
