import Testing

@testable import Dispatcher

/// The pool's scheduling policy, without Docker: every decision checked from the actions it returns.
@Suite struct PoolStateMachineTests {
    typealias Action = PoolStateMachine.Action

    static let profile = ContainerProfile(key: "profile")
    /// `a` → a digest of 64 `a`s.
    static func function(_ name: Character) -> FunctionKey {
        FunctionKey(digest: String(repeating: name, count: 64), profile: profile)
    }

    let a = Self.function("a")
    let b = Self.function("b")
    let c = Self.function("c")
    let t0 = ContinuousClock.now

    func machine(_ adjust: (inout PoolStateMachine.Limits) -> Void = { _ in }) -> PoolStateMachine {
        var limits = PoolStateMachine.Limits()
        limits.maxContainers = 4
        limits.maxContainersPerFunction = 2
        limits.maxQueuedPerFunction = 2
        limits.warmPoolProfile = Self.profile
        limits.idleTTL = .seconds(60)
        limits.runnerIdleTTL = .seconds(120)
        adjust(&limits)
        return PoolStateMachine(limits: limits)
    }

    var waiterIDs = WaiterIDs()
    final class WaiterIDs: @unchecked Sendable {
        var next: UInt64 = 0
        func make() -> PoolWaiterID {
            next += 1
            return PoolWaiterID(value: next)
        }
    }

    /// Acquires, expecting to wait; returns the waiter and the start it caused, if any.
    func queue(_ machine: inout PoolStateMachine, _ function: FunctionKey, at time: Duration = .zero)
        -> (PoolWaiterID, [Action])
    {
        let id = waiterIDs.make()
        let (outcome, actions) = machine.acquire(function, waiter: id, timeout: .seconds(10), now: t0 + time)
        #expect(outcome == .queued(id))
        return (id, actions)
    }

    func started(_ actions: [Action]) -> [PoolRunnerID] {
        actions.compactMap { if case .start(let id, _, _) = $0 { return id } else { return nil } }
    }

    func leases(_ actions: [Action]) -> [PoolWaiterID: PoolRunnerID] {
        Dictionary(uniqueKeysWithValues: actions.compactMap { if case .lease(let w, let r) = $0 { return (w, r) } else { return nil } })
    }

    @Test func aFirstCallStartsARunnerThatIsHandedToIt() {
        var pool = machine()
        let (waiter, actions) = queue(&pool, a)
        #expect(actions.count == 1)
        let runner = try! #require(started(actions).first)
        #expect(actions == [.start(runner, a, Self.profile)])
        #expect(pool.ready(runner, now: t0) == [.lease(waiter, runner)])
        // Given back, it serves the next call at once.
        #expect(pool.release(runner, healthy: true, now: t0).isEmpty)
        #expect(pool.leaseIdle(a, now: t0).0 == runner)
    }

    @Test func callsScaleOutToTheConcurrencyThenQueueThenAreRefused() {
        var pool = machine()
        let (_, first) = queue(&pool, a)
        let (_, second) = queue(&pool, a)
        #expect(started(first).count == 1 && started(second).count == 1, "scale out to 2")
        let (_, third) = queue(&pool, a)
        let (_, fourth) = queue(&pool, a)
        #expect(started(third).isEmpty && started(fourth).isEmpty, "then wait")
        let (outcome, _) = pool.acquire(a, waiter: waiterIDs.make(), timeout: .seconds(10), now: t0)
        #expect(outcome == .refused(.tooManyConcurrentInvocations(limit: 2, queued: 2)))
        // A call that brings a higher concurrency may start a third.
        let (_, more) = pool.acquire(a, waiter: waiterIDs.make(), concurrency: 3, timeout: .seconds(10), now: t0)
        #expect(started(more).count == 1)
    }

    @Test func aReleasedRunnerGoesToTheLongestWaitingCallItCanServe() {
        var pool = machine { $0.maxContainers = 1; $0.maxContainersPerFunction = 1; $0.maxQueuedPerFunction = 8 }
        let (firstA, startA) = queue(&pool, a)
        let runnerA = started(startA)[0]
        #expect(pool.ready(runnerA, now: t0) == [.lease(firstA, runnerA)])
        // B waits first, then more calls of A.
        let (waiterB, startB) = queue(&pool, b, at: .milliseconds(1))
        #expect(started(startB).isEmpty, "the pool is full")
        let (laterA, _) = queue(&pool, a, at: .milliseconds(2))
        // A's runner comes back: B has waited longest, so A's runner makes room for B.
        let actions = pool.release(runnerA, healthy: true, now: t0 + .milliseconds(3))
        #expect(actions.first == .remove(runnerA))
        let runnerB = try! #require(started(actions).first)
        #expect(actions == [.remove(runnerA), .start(runnerB, b, Self.profile)])
        #expect(pool.ready(runnerB, now: t0) == [.lease(waiterB, runnerB)])
        // When B is done, the later A call gets the room back.
        let after = pool.release(runnerB, healthy: true, now: t0 + .seconds(1))
        let runnerA2 = try! #require(started(after).first)
        #expect(pool.ready(runnerA2, now: t0) == [.lease(laterA, runnerA2)])
    }

    @Test func aReleasedRunnerServesItsOwnFunctionWhenThatCallIsOlder() {
        var pool = machine { $0.maxContainers = 1; $0.maxContainersPerFunction = 1 }
        let (_, startA) = queue(&pool, a)
        let runnerA = started(startA)[0]
        _ = pool.ready(runnerA, now: t0)
        let (olderA, _) = queue(&pool, a, at: .milliseconds(1))
        _ = queue(&pool, b, at: .milliseconds(2))
        #expect(pool.release(runnerA, healthy: true, now: t0 + .milliseconds(3)) == [.lease(olderA, runnerA)])
    }

    @Test func queuedCallsFailAtTheirDeadline() {
        var pool = machine { $0.maxContainersPerFunction = 1 }
        let (_, start) = queue(&pool, a)
        _ = pool.ready(started(start)[0], now: t0)
        let id = waiterIDs.make()
        let (outcome, _) = pool.acquire(a, waiter: id, timeout: .seconds(2), now: t0)
        #expect(outcome == .queued(id))
        #expect(pool.nextDeadline() == t0 + .seconds(2))
        #expect(pool.tick(now: t0 + .seconds(1)).isEmpty)
        #expect(pool.tick(now: t0 + .seconds(2)) == [.fail(id, .queueTimedOut(seconds: 2))])
        #expect(pool.waiters.isEmpty)
    }

    @Test func aCallWaitingForItsColdStartDoesNotTimeOutInTheQueue() {
        var pool = machine { $0.maxContainersPerFunction = 1 }
        let id = waiterIDs.make()
        let (outcome, actions) = pool.acquire(a, waiter: id, timeout: .seconds(1), now: t0)
        #expect(outcome == .queued(id))
        let runner = started(actions)[0]
        // The start has its own limit; the call's timeout is for its run.
        #expect(pool.nextDeadline() == nil)
        #expect(pool.tick(now: t0 + .seconds(5)).isEmpty)
        #expect(pool.ready(runner, now: t0 + .seconds(5)) == [.lease(id, runner)])
        // A second call, behind the busy runner with nothing starting for it, does time out.
        let late = waiterIDs.make()
        #expect(pool.acquire(a, waiter: late, timeout: .seconds(1), now: t0 + .seconds(5)).0 == .queued(late))
        #expect(pool.nextDeadline() == t0 + .seconds(6))
        #expect(pool.tick(now: t0 + .seconds(6)) == [.fail(late, .queueTimedOut(seconds: 1))])
    }

    @Test func idleRunnersExpireAndRunnersNearTheirOwnTTLAreNotHandedOut() {
        var pool = machine { $0.idleTTL = .seconds(10); $0.runnerIdleTTL = .seconds(8); $0.handOutMargin = .seconds(2) }
        let (waiter, start) = queue(&pool, a)
        let runner = started(start)[0]
        #expect(pool.ready(runner, now: t0) == [.lease(waiter, runner)])
        _ = pool.release(runner, healthy: true, now: t0)
        // 6.5 s idle: its own 8 s TTL ends within the 2 s margin, so it could exit under a call.
        let (stale, actions) = pool.leaseIdle(a, now: t0 + .milliseconds(6500))
        #expect(stale == nil)
        #expect(actions == [.remove(runner)])
        // A fresh one past the dispatcher's idle TTL is removed by the tick.
        var other = machine { $0.idleTTL = .seconds(10) }
        let (w2, s2) = queue(&other, b)
        let r2 = started(s2)[0]
        #expect(other.ready(r2, now: t0) == [.lease(w2, r2)])
        _ = other.release(r2, healthy: true, now: t0)
        #expect(other.tick(now: t0 + .seconds(9)).isEmpty)
        #expect(other.tick(now: t0 + .seconds(10)) == [.remove(r2)])
    }

    @Test func anUnhealthyRunnerIsRemovedAndItsSlotServesTheNextCall() {
        var pool = machine { $0.maxContainersPerFunction = 1 }
        let (_, start) = queue(&pool, a)
        let runner = started(start)[0]
        _ = pool.ready(runner, now: t0)
        let (next, _) = queue(&pool, a)
        let actions = pool.release(runner, healthy: false, now: t0)
        #expect(actions.first == .remove(runner))
        let fresh = try! #require(started(actions).first)
        #expect(pool.ready(fresh, now: t0) == [.lease(next, fresh)])
    }

    @Test func aCodeThatDoesNotLoadFailsEveryCallOfItOtherErrorsOnlyTheOldest() {
        var pool = machine { $0.maxContainersPerFunction = 1; $0.maxQueuedPerFunction = 8 }
        let (w1, start) = queue(&pool, a)
        let (w2, _) = queue(&pool, a)
        let runner = started(start)[0]
        let error = DispatcherError.loadFailed(type: "SyntaxError", message: "x", traceback: [])
        let actions = pool.failed(runner, error: error, blame: .all, now: t0)
        #expect(actions == [.remove(runner), .fail(w1, error), .fail(w2, error)])
        #expect(pool.waiters.isEmpty)

        let (w3, again) = queue(&pool, a)
        let (w4, _) = queue(&pool, a)
        let transient = DispatcherError.runnerStartFailed(reason: "crashed")
        let retried = pool.failed(started(again)[0], error: transient, blame: .oldest, now: t0)
        #expect(retried.prefix(2) == [.remove(started(again)[0]), .fail(w3, transient)])
        #expect(started(retried).count == 1, "the other call gets a new try")
        #expect(pool.waiters.map(\.id) == [w4])
    }

    @Test func theWarmPoolIsUsedForNewCodeAndRefilledAfterTheLoad() {
        var pool = machine { $0.warmPoolSize = 1 }
        let refill = pool.tick(now: t0)
        let generic = try! #require(started(refill).first)
        #expect(refill == [.start(generic, nil, Self.profile)])
        #expect(pool.ready(generic, now: t0).isEmpty)
        let (waiter, actions) = queue(&pool, a)
        #expect(actions == [.load(generic, a)], "one /load, and no refill in front of it")
        let loaded = pool.ready(generic, now: t0)
        #expect(loaded.first == .lease(waiter, generic))
        #expect(started(loaded).count == 1, "refilled once the load is done")
    }

    @Test func aFullPoolEvictsTheLeastRecentlyUsedIdleRunner() {
        var pool = machine { $0.maxContainers = 2 }
        var runners: [PoolRunnerID] = []
        for (index, function) in [a, b].enumerated() {
            let (_, start) = queue(&pool, function)
            let runner = started(start)[0]
            _ = pool.ready(runner, now: t0)
            _ = pool.release(runner, healthy: true, now: t0 + .seconds(index))
            runners.append(runner)
        }
        let (_, actions) = queue(&pool, c)
        #expect(actions.first == .remove(runners[0]), "a was used least recently")
        #expect(started(actions).count == 1)
    }

    @Test func shutdownFailsWaitersAndRemovesAllButIdleRunnersWhenKeepingWarm() {
        var pool = machine()
        let (busyWaiter, start) = queue(&pool, a)
        let busy = started(start)[0]
        _ = pool.ready(busy, now: t0)
        let (_, startB) = queue(&pool, b)
        let idle = started(startB)[0]
        _ = pool.ready(idle, now: t0)
        _ = pool.release(idle, healthy: true, now: t0)
        _ = busyWaiter
        let (waiting, _) = queue(&pool, c)
        let actions = pool.shutDown(keepWarm: true)
        #expect(actions.contains(.fail(waiting, .shutDown)))
        #expect(actions.contains(.remove(busy)))
        #expect(!actions.contains(.remove(idle)))
        let (outcome, _) = pool.acquire(a, waiter: waiterIDs.make(), timeout: .seconds(1), now: t0)
        #expect(outcome == .refused(.shutDown))
    }

    /// Random sequences of events, with the invariants checked after each: no runner is leased twice,
    /// the caps hold, and no call waits while it could be served.
    @Test(arguments: 0..<40)
    func invariantsHoldUnderRandomEvents(seed: UInt64) {
        var random = SplitMix(seed: seed)
        var pool = machine { $0.maxContainers = 3; $0.maxContainersPerFunction = 2; $0.warmPoolSize = 1; $0.maxQueuedPerFunction = 3 }
        let functions = [a, b, c]
        var leased: [PoolRunnerID: PoolWaiterID] = [:]
        var pending: Set<PoolRunnerID> = []
        var now = t0
        func apply(_ actions: [Action]) {
            for action in actions {
                switch action {
                case .lease(let waiter, let runner):
                    #expect(leased[runner] == nil, "runner \(runner) leased twice")
                    leased[runner] = waiter
                case .start(let runner, _, _), .load(let runner, _):
                    pending.insert(runner)
                case .remove(let runner):
                    pending.remove(runner)
                    leased[runner] = nil
                case .fail: break
                }
            }
        }
        for _ in 0..<300 {
            now += .milliseconds(Int64(random.next() % 50))
            switch random.next() % 6 {
            case 0, 1:
                let (outcome, actions) = pool.acquire(
                    functions[Int(random.next() % 3)], waiter: waiterIDs.make(), timeout: .seconds(Int64(1 + random.next() % 3)), now: now)
                apply(actions)
                if case .leased(let runner) = outcome {
                    #expect(leased[runner] == nil)
                    leased[runner] = PoolWaiterID(value: 0)
                }
            case 2:
                if let runner = leased.keys.randomElement(using: &random) {
                    leased[runner] = nil
                    apply(pool.release(runner, healthy: random.next() % 5 != 0, now: now))
                }
            case 3:
                if let runner = pending.randomElement(using: &random) {
                    pending.remove(runner)
                    if random.next() % 4 == 0 {
                        apply(pool.failed(runner, error: .runnerStartFailed(reason: "x"), blame: .oldest, now: now))
                    } else {
                        apply(pool.ready(runner, now: now))
                    }
                }
            case 4:
                apply(pool.tick(now: now))
            default:
                if let waiter = pool.waiters.randomElement(using: &random) { apply(pool.cancel(waiter.id, now: now).1) }
            }
            #expect(pool.runners.count <= 3, "over the total cap")
            for function in functions {
                #expect(pool.runners.values.count { $0.function == function } <= 2, "over the function's cap")
                // Nobody waits for a function that has an idle runner.
                let idle = pool.runners.values.contains { $0.function == function && $0.phase == .idle }
                #expect(!(idle && pool.waiters.contains { $0.function == function }), "a call waits beside an idle runner")
            }
            #expect(Set(pool.runners.values.filter { $0.phase == .leased }.map(\.id)) == Set(leased.keys))
        }
    }
}

/// A small deterministic generator, so that a failing seed can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
