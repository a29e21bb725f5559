import Foundation
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    /// What a restart (graceful, or `kill -9`) leaves behind: queued calls run, calls that were running
    /// are marked `interrupted` and never run again, and a live instance's calls are never touched.
    ///
    /// A process's death is played by a store that stops without finishing its calls: the registry
    /// only ever learns of a process through its writes and heartbeats, so that is all a killed
    /// process leaves in it.
    @Suite struct RestartTests {
        /// serve's start and its heartbeat loop send the first heartbeat at once: one registers the
        /// instance, and the other is not an error (PostgreSQL logged a duplicate key at most starts).
        @Test(arguments: StoreKind.allCases)
        func firstHeartbeatsAtOnceRegisterTheInstanceOnce(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let firsts = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<8 { group.addTask { try await store.heartbeat(Samples.instanceA) } }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(firsts.filter { !$0 }.count == 1, "\(firsts)")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func heartbeatsRegisterInstances(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                #expect(try await store.heartbeat(Samples.instanceA) == false)
                #expect(try await store.heartbeat(Samples.instanceA) == true)
                #expect(try await store.heartbeat(Samples.instanceB) == false)
                let instances = try await store.instances()
                #expect(instances.map(\.identity) == [Samples.instanceA, Samples.instanceB])
                #expect(instances[0].heartbeatAt >= instances[0].startedAt)
                #expect(try await store.declareInstanceGone(id: Samples.instanceA.id) == 0)
                #expect(try await store.instances().map(\.identity) == [Samples.instanceB])
                // Declared gone while alive: its next heartbeat says so.
                #expect(try await store.heartbeat(Samples.instanceA) == false)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func afterAKillRunningCallsAreInterruptedAndQueuedOnesStillRun(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            let dead = InstanceIdentity(id: "dead", hostname: "h", processID: 1)
            let live = InstanceIdentity(id: "live", hostname: "h", processID: 2)
            let restarted = InstanceIdentity(id: "restarted", hostname: "h", processID: 3)
            var ids: (deadSync: String, deadAsync: String, deadClaim: String, liveAsync: String, queued: [String]) = ("", "", "", "", [])

            // The first process: works on two calls, then dies without finishing them.
            try await database.makeStore().withRunning { store in
                let version = try await store.createVersion(of: "work", Samples.source("work")).version
                _ = try await store.heartbeat(dead)
                _ = try await store.heartbeat(live)
                for index in 0..<5 { _ = try await store.enqueueAsync(of: version, input: [UInt8(index)]) }
                ids.deadSync = try await store.recordSyncStart(of: version, instance: dead).id
                ids.deadAsync = try #require(try await store.claimAndStart(for: dead)).invocation.id
                ids.liveAsync = try #require(try await store.claimAndStart(for: live)).invocation.id
                // Claimed, never started (it waited for a runner when the process died).
                ids.deadClaim = try #require(try await store.claimNextQueued(for: dead)).invocation.id
                ids.queued = try await store.latestInvocations(of: "work", limit: 10).filter { $0.status == .queued }.map(\.id)
            }
            #expect(ids.queued.count == 3 && ids.queued.contains(ids.deadClaim))

            // Later: the live instance keeps heartbeating, the dead one does not. The margins are wide
            // (stale after 2 s, 3 s later) so that a loaded machine cannot make the live one look stale
            // between its heartbeat and the sweep.
            try await Task.sleep(for: .seconds(3))
            try await database.makeStore().withRunning { store in
                #expect(try await store.heartbeat(live))
                _ = try await store.heartbeat(restarted)
                let interrupted = try await store.interruptRunningOfGoneInstances(staleAfter: .seconds(2))
                #expect(interrupted == 2)
                for id in [ids.deadSync, ids.deadAsync] {
                    let record = try await store.invocation(id: id)
                    #expect(record.status == .interrupted)
                    #expect(record.error?.type == InvocationError.interruptedType)
                    #expect(record.finishedAt != nil)
                }
                #expect(try await store.invocation(id: ids.liveAsync).status == .running)
                #expect(try await store.instances().map(\.identity.id).sorted() == ["live", "restarted"])

                // The queued calls run, each once (the dead one's unstarted claim among them); the
                // interrupted ones never come back, and the dead one cannot start what it claimed.
                #expect(try await store.startClaimed(id: ids.deadClaim, by: dead) == false)
                var claimed: [String] = []
                while let call = try await store.claimNextQueued(for: restarted) { claimed.append(call.invocation.id) }
                #expect(claimed.sorted() == ids.queued.sorted())
                await #expect(throws: RegistryError.self) {
                    try await store.finishRunning(id: ids.deadAsync, outcome: .succeeded(durationMS: 1))
                }
                #expect(try await store.interruptRunningOfGoneInstances(staleAfter: .seconds(60)) == 0)
                #expect(try await store.finishRunning(id: ids.liveAsync, outcome: .succeeded(durationMS: 1)).status == .succeeded)
            }
        }

        /// A call started by an instance that never sent a heartbeat is not taken for gone while it is
        /// young, and is once it is older than the limit.
        @Test(arguments: StoreKind.allCases)
        func callsOfUnknownInstancesAreInterruptedOnlyWhenOld(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "orphan", Samples.source("orphan")).version
                let call = try await store.recordSyncStart(of: version, instance: InstanceIdentity(id: "never-seen", hostname: "h", processID: 9))
                #expect(try await store.interruptRunningOfGoneInstances(staleAfter: .seconds(60)) == 0)
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await store.interruptRunningOfGoneInstances(staleAfter: .milliseconds(200)) == 1)
                #expect(try await store.invocation(id: call.id).status == .interrupted)
            }
        }

        /// At the end of a graceful shutdown, or when a process is known dead: its running calls are
        /// interrupted at once, nobody else's.
        @Test(arguments: StoreKind.allCases)
        func declaringAnInstanceGoneInterruptsOnlyItsCalls(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "mixed", Samples.source("mixed")).version
                _ = try await store.heartbeat(Samples.instanceA)
                _ = try await store.heartbeat(Samples.instanceB)
                let mine = try await store.recordSyncStart(of: version, instance: Samples.instanceA)
                let theirs = try await store.recordSyncStart(of: version, instance: Samples.instanceB)
                let queued = try await store.enqueueAsync(of: version, input: [1])
                _ = try await store.claimNextQueued(for: Samples.instanceA)
                let done = try await store.recordSyncStart(of: version, instance: Samples.instanceA)
                _ = try await store.finishRunning(id: done.id, outcome: .succeeded(durationMS: 1))
                #expect(try await store.declareInstanceGone(id: Samples.instanceA.id) == 1)
                #expect(try await store.invocation(id: mine.id).status == .interrupted)
                #expect(try await store.invocation(id: theirs.id).status == .running)
                #expect(try await store.invocation(id: done.id).status == .succeeded)
                // Its unstarted claim goes back to the queue, for anyone.
                let released = try await store.invocation(id: queued.id)
                #expect(released.status == .queued && released.instance == nil)
                #expect(try await store.claimNextQueued(for: Samples.instanceB)?.invocation.id == queued.id)
                await #expect(throws: RegistryError.self) {
                    try await store.interruptRunningOfGoneInstances(staleAfter: .zero)
                }
            }
        }
    }
}
