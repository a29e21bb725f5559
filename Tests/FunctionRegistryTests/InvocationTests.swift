import Foundation
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    @Suite struct InvocationTests {
        @Test(arguments: StoreKind.allCases)
        func syncCallsAreRecordedFromStartToFinish(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "sync", Samples.source("sync")).version
                let started = try await store.recordSyncStart(of: version, instance: Samples.instanceA)
                #expect(started.mode == .sync)
                #expect(started.status == .running)
                #expect(started.startedAt != nil)
                #expect(started.finishedAt == nil)
                #expect(started.instance == Samples.instanceA.id)
                #expect(started.functionID == version.functionID)
                #expect(started.version == 1)
                #expect(UUID(uuidString: started.id) != nil && started.id == started.id.lowercased())

                let failed = try await store.finishRunning(
                    id: started.id,
                    outcome: .failed(InvocationError(type: "ValueError", message: "bad n"), durationMS: 12.5, logTail: "trace\n"))
                #expect(failed.status == .failed)
                #expect(failed.error == InvocationError(type: "ValueError", message: "bad n"))
                #expect(failed.durationMS == 12.5)
                #expect(failed.logTail == "trace\n")
                #expect(failed.finishedAt != nil)
                #expect(try await store.invocation(id: started.id) == failed)

                // Final is final: a second outcome is refused and changes nothing.
                await #expect(throws: RegistryError.self) {
                    try await store.finishRunning(id: started.id, outcome: .succeeded(durationMS: 1))
                }
                #expect(try await store.invocation(id: started.id).status == .failed)
                await #expect(throws: RegistryError.invocationNotFound(id: "no-such-id")) { try await store.invocation(id: "no-such-id") }
                await #expect(throws: RegistryError.invocationNotFound(id: "no-such-id")) {
                    try await store.finishRunning(id: "no-such-id", outcome: .succeeded(durationMS: 1))
                }
                let another = try await store.recordSyncStart(of: version, instance: Samples.instanceA)
                await #expect(throws: RegistryError.self) {
                    try await store.finishRunning(id: another.id, outcome: InvocationOutcome(status: .queued))
                }
                #expect(try await store.function(named: "sync").invocationCounts == [.failed: 1, .running: 1])
            }
        }

        /// What serve's recorder writes behind sync calls: many records per statement, running or final,
        /// in the order given; a final state replaces a running one, never a record that is no longer
        /// running.
        @Test(arguments: StoreKind.allCases)
        func syncRecordsAreWrittenInBatches(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "batch", Samples.source("batch")).version
                let first = SyncInvocationRecord(startingNow: version, instance: Samples.instanceA)
                let second = SyncInvocationRecord(startingNow: version, instance: Samples.instanceA)
                let quick = SyncInvocationRecord(startingNow: version, instance: Samples.instanceA)
                    .finished(.succeeded(durationMS: 0.5, logTail: "out\n"))
                try await store.recordSyncInvocations([first, second, quick])
                #expect(try await store.invocation(id: first.id).status == .running)
                let written = try await store.invocation(id: quick.id)
                #expect(written.status == .succeeded && written.durationMS == 0.5 && written.logTail == "out\n")
                #expect(written.mode == .sync && written.instance == Samples.instanceA.id && written.finishedAt != nil)
                #expect(abs(try #require(written.startedAt).timeIntervalSince(quick.startedAt)) < 0.001)

                // The first ends; the second was marked interrupted meanwhile and stays so.
                #expect(try await store.declareInstanceGone(id: Samples.instanceA.id) == 2)
                _ = try await store.recordSyncStart(of: version, instance: Samples.instanceB)
                try await store.recordSyncInvocations([
                    first.finished(.failed(InvocationError(type: "ValueError", message: "no"), durationMS: 2)),
                    quick.finished(.failed(InvocationError(type: "Late", message: "a second outcome"), durationMS: 9)),
                ])
                #expect(try await store.invocation(id: first.id).status == .interrupted)
                #expect(try await store.invocation(id: quick.id) == written)

                let third = SyncInvocationRecord(startingNow: version, instance: Samples.instanceB)
                try await store.recordSyncInvocations([third])
                try await store.recordSyncInvocations([third.finished(.failed(InvocationError(type: "ValueError", message: "no"), durationMS: 2))])
                let failed = try await store.invocation(id: third.id)
                #expect(failed.status == .failed && failed.error == InvocationError(type: "ValueError", message: "no"))
                // A running record never replaces anything.
                try await store.recordSyncInvocations([third])
                #expect(try await store.invocation(id: third.id) == failed)

                // Newest first, in the order the calls were given.
                let latest = try await store.latestInvocations(of: "batch", limit: 10).map(\.id)
                #expect(latest.first == third.id && Array(latest.suffix(3)) == [quick.id, second.id, first.id])

                // More than one statement takes.
                let many = (0..<1203).map { _ in SyncInvocationRecord(startingNow: version, instance: Samples.instanceB).finished(.succeeded(durationMS: 1)) }
                try await store.recordSyncInvocations(many)
                #expect(try await store.latestInvocations(of: "batch", limit: 1000).map(\.id) == Array(many.suffix(1000).reversed().map(\.id)))
                await #expect(throws: RegistryError.self) {
                    try await store.recordSyncInvocations([SyncInvocationRecord(startingNow: version, instance: Samples.instanceB).finished(InvocationOutcome(status: .queued))])
                }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func asyncCallsKeepTheirInputAndResult(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "async", Samples.source("async")).version
                let input = Array(#"{"n": 10, "text": "ünïcödé"}"#.utf8)
                let queued = try await store.enqueueAsync(of: version, input: input)
                #expect(queued.status == .queued)
                #expect(queued.mode == .async)
                #expect(queued.startedAt == nil && queued.instance == nil)
                #expect(try await store.queueDepth() == 1)

                let claimed = try #require(try await store.claimNextQueued(for: Samples.instanceB))
                #expect(claimed.input == input)
                #expect(claimed.invocation.id == queued.id)
                // Claimed, it still waits (for a runner): queued, not started, counted in the queue.
                #expect(claimed.invocation.status == .queued && claimed.invocation.startedAt == nil)
                #expect(claimed.invocation.instance == Samples.instanceB.id)
                #expect(try await store.queueDepth() == 1)
                #expect(try await store.claimNextQueued(for: Samples.instanceB) == nil)
                #expect(try await store.startClaimed(id: queued.id, by: Samples.instanceA) == false, "another instance's claim")
                #expect(try await store.startClaimed(id: queued.id, by: Samples.instanceB))
                let started = try await store.invocation(id: queued.id)
                #expect(started.status == .running && started.startedAt != nil)
                #expect(try await store.queueDepth() == 0)
                #expect(try await store.startClaimed(id: queued.id, by: Samples.instanceB) == false, "started once")

                let result = Array("55".utf8)
                let finished = try await store.finishRunning(id: queued.id, outcome: .succeeded(result: result, durationMS: 3))
                #expect(finished.result == result)
                #expect(try await store.invocation(id: queued.id).result == result)

                // Empty is kept apart from absent.
                let empty = try await store.enqueueAsync(of: version, input: [])
                #expect(try await store.claimAndStart(for: Samples.instanceB)?.input == [])
                #expect(try await store.finishRunning(id: empty.id, outcome: .succeeded(result: [], durationMS: 0)).result == [])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func functionOutputIsStoredSafely(kind: StoreKind) async throws {
            try await withStore(kind, limits: { $0.maxLogTailBytes = 16; $0.maxErrorMessageBytes = 10; $0.maxPayloadBytes = 8 }) { store, _ in
                let version = try await store.createVersion(of: "noisy", Samples.source("noisy")).version
                let call = try await store.recordSyncStart(of: version, instance: Samples.instanceA)
                // NUL would end the text in SQLite and is refused by PostgreSQL: it becomes U+FFFD.
                let finished = try await store.finishRunning(
                    id: call.id,
                    outcome: .failed(InvocationError(type: "Bad\u{0}Type", message: "\u{0}aaaaaaaaé"), durationMS: 1,
                                     logTail: "✓0123456789abcd\u{0}"))
                #expect(finished.error?.type == "Bad\u{FFFD}Type")
                // Cut to the byte limits, never inside a character: the start of a message, the end of a log.
                #expect(finished.error?.message == "\u{FFFD}aaaaaaaa")
                #expect(finished.logTail == "0123456789abcd\u{FFFD}")
                #expect(try await store.invocation(id: call.id) == finished)

                await #expect(throws: RegistryError.self) { try await store.enqueueAsync(of: version, input: Array(repeating: 1, count: 9)) }
                let other = try await store.recordSyncStart(of: version, instance: Samples.instanceA)
                await #expect(throws: RegistryError.self) {
                    try await store.finishRunning(id: other.id, outcome: .succeeded(result: Array(repeating: 1, count: 9), durationMS: 1))
                }
                await #expect(throws: RegistryError.self) {
                    try await store.finishRunning(id: other.id, outcome: .succeeded(durationMS: -1))
                }
                #expect(try await store.invocation(id: other.id).status == .running)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func latestInvocationsAreNewestFirst(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "many", Samples.source("many")).version
                let other = try await store.createVersion(of: "other", Samples.source("other")).version
                var ids: [String] = []
                for index in 0..<7 {
                    if index.isMultiple(of: 2) {
                        ids.append(try await store.recordSyncStart(of: version, instance: Samples.instanceA).id)
                    } else {
                        ids.append(try await store.enqueueAsync(of: version, input: [UInt8(index)]).id)
                    }
                    _ = try await store.recordSyncStart(of: other, instance: Samples.instanceA)
                }
                #expect(try await store.latestInvocations(of: "many", limit: 5).map(\.id) == Array(ids.reversed().prefix(5)))
                #expect(try await store.latestInvocations(of: "many", limit: 100).count == 7)
                await #expect(throws: RegistryError.self) { try await store.latestInvocations(of: "many", limit: 0) }
                await #expect(throws: RegistryError.functionNotFound(name: "none")) { try await store.latestInvocations(of: "none", limit: 1) }
                // Pages of 3, older each time, the last without a marker.
                var pages: [[String]] = []
                var marker: String?
                repeat {
                    let page = try await store.invocations(of: "many", limit: 3, before: marker)
                    pages.append(page.invocations.map(\.id))
                    marker = page.nextMarker
                } while marker != nil && pages.count < 10
                #expect(pages == [Array(ids.reversed()[0..<3]), Array(ids.reversed()[3..<6]), [ids[0]]])
                #expect(try await store.invocations(of: "many", limit: 7, before: nil).nextMarker == nil, "exactly all: no next page")
                let others = try await store.latestInvocations(of: "other", limit: 1)
                await #expect(throws: RegistryError.self, "another function's record is no marker here") {
                    try await store.invocations(of: "many", limit: 3, before: others[0].id)
                }
            }
        }

        /// A claim is its instance's alone: only it can start it, finish it unstarted or give it back;
        /// `releaseClaims` gives back those it no longer works on.
        @Test(arguments: StoreKind.allCases)
        func claimsAreTheirInstancesAlone(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "claims", Samples.source("claims")).version
                let calls = [try await store.enqueueAsync(of: version, input: [1]), try await store.enqueueAsync(of: version, input: [2]),
                             try await store.enqueueAsync(of: version, input: [3])]
                for _ in calls { _ = try await store.claimNextQueued(for: Samples.instanceA) }
                let failed = InvocationOutcome(status: .failed, error: InvocationError(type: "Unavailable", message: "no runner"))
                await #expect(throws: RegistryError.self) { try await store.finishClaimed(id: calls[0].id, by: Samples.instanceB, outcome: failed) }
                await #expect(throws: RegistryError.self, "not running") { try await store.finishRunning(id: calls[0].id, outcome: failed) }
                #expect(try await store.finishClaimed(id: calls[0].id, by: Samples.instanceA, outcome: failed).status == .failed)
                // Another instance's release does nothing; the lost claims go back, the kept one stays.
                try await store.releaseClaim(id: calls[1].id, by: Samples.instanceB)
                #expect(try await store.invocation(id: calls[1].id).instance == Samples.instanceA.id)
                #expect(try await store.releaseClaims(by: Samples.instanceA, keeping: [calls[2].id]) == 1)
                #expect(try await store.invocation(id: calls[1].id).instance == nil)
                #expect(try await store.invocation(id: calls[2].id).instance == Samples.instanceA.id)
                #expect(try await store.releaseClaims(by: Samples.instanceA, keeping: []) == 1)
                #expect(try await store.claimNextQueued(for: Samples.instanceB)?.invocation.id == calls[1].id)
                // Started (its answer lost, say), then known unsent: queued again, not started.
                #expect(try await store.startClaimed(id: calls[1].id, by: Samples.instanceB))
                try await store.releaseClaim(id: calls[1].id, by: Samples.instanceB)
                let again = try await store.invocation(id: calls[1].id)
                #expect(again.status == .queued && again.instance == nil && again.startedAt == nil)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func claimsTakeTheOldestAndSkipExcludedFunctions(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let busy = try await store.createVersion(of: "busy", Samples.source("busy")).version
                let idle = try await store.createVersion(of: "idle", Samples.source("idle")).version
                let first = try await store.enqueueAsync(of: busy, input: [1])
                let second = try await store.enqueueAsync(of: idle, input: [2])
                let third = try await store.enqueueAsync(of: idle, input: [3])
                let skipping = try await store.claimNextQueued(for: Samples.instanceA, excludingFunctions: [busy.functionID])
                #expect(skipping?.invocation.id == second.id)
                #expect(try await store.claimNextQueued(for: Samples.instanceA, excludingFunctions: [busy.functionID, idle.functionID]) == nil)
                #expect(try await store.claimNextQueued(for: Samples.instanceA)?.invocation.id == first.id)
                #expect(try await store.claimNextQueued(for: Samples.instanceA)?.invocation.id == third.id)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func deletingAFunctionCancelsItsQueuedCalls(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let doomed = try await store.createVersion(of: "doomed", Samples.source("doomed")).version
                let kept = try await store.createVersion(of: "kept", Samples.source("kept")).version
                let running = try await store.enqueueAsync(of: doomed, input: [0])
                _ = try await store.claimAndStart(for: Samples.instanceA)
                let queued = [try await store.enqueueAsync(of: doomed, input: [1]), try await store.enqueueAsync(of: doomed, input: [2])]
                // Claimed, but waiting for a runner: cancelled too, and then not the claimer's to start.
                let waiting = try #require(try await store.claimNextQueued(for: Samples.instanceB)).invocation
                #expect(waiting.id == queued[0].id)
                let other = try await store.enqueueAsync(of: kept, input: [3])

                let deleted = try await store.deleteFunction(named: "doomed")
                #expect(deleted.cancelledInvocations == 2)
                #expect(try await store.startClaimed(id: waiting.id, by: Samples.instanceB) == false)
                for call in queued {
                    let record = try await store.invocation(id: call.id)
                    #expect(record.status == .cancelled)
                    #expect(record.error?.type == InvocationError.cancelledType)
                    #expect(record.finishedAt != nil)
                }
                // The call already running finishes and is recorded; it is not cancelled.
                #expect(try await store.invocation(id: running.id).status == .running)
                #expect(try await store.finishRunning(id: running.id, outcome: .succeeded(result: [9], durationMS: 1)).status == .succeeded)
                #expect(try await store.queueDepth() == 1)
                #expect(try await store.claimNextQueued(for: Samples.instanceA)?.invocation.id == other.id)
                // A call for the deleted function cannot be queued any more.
                await #expect(throws: RegistryError.functionNotFound(name: "doomed")) { try await store.enqueueAsync(of: doomed, input: [4]) }
            }
        }

        /// Records of ended calls older than the retention go, the oldest first and `limit` at most
        /// per statement; running and queued ones stay, however old.
        @Test(arguments: StoreKind.allCases)
        func oldRecordsOfEndedCallsAreDeleted(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "kept", Samples.source("kept")).version
                func record(daysAgo: Double, ended: Bool, endedDaysAgo: Double? = nil) -> SyncInvocationRecord {
                    var record = SyncInvocationRecord(startingNow: version, instance: Samples.instanceA)
                    record.startedAt = Date().addingTimeInterval(-daysAgo * 86_400)
                    guard ended else { return record }
                    var finished = record.finished(.succeeded(durationMS: 1))
                    finished.finishedAt = Date().addingTimeInterval(-(endedDaysAgo ?? daysAgo) * 86_400)
                    return finished
                }
                let old = [record(daysAgo: 3, ended: true), record(daysAgo: 2, ended: true)]
                let oldRunning = record(daysAgo: 3, ended: false)
                // Made long ago, ended now (an async call that waited, or ran long): kept from its end.
                let endedLate = record(daysAgo: 3, ended: true, endedDaysAgo: 0)
                let recent = record(daysAgo: 0, ended: true)
                try await store.recordSyncInvocations([old[0], oldRunning, endedLate, old[1], recent])
                let queued = try await store.enqueueAsync(of: version, input: Array("{}".utf8))

                #expect(try await store.deleteInvocations(olderThan: .seconds(86_400), limit: 1) == 1)
                await #expect(throws: RegistryError.invocationNotFound(id: old[0].id)) { try await store.invocation(id: old[0].id) }
                #expect(try await store.invocation(id: old[1].id).status == .succeeded, "one per statement")
                let retention = InvocationRetention(store: store, configuration: {
                    var configuration = InvocationRetention.Configuration()
                    configuration.keep = .seconds(86_400)
                    configuration.batch = 2
                    return configuration
                }())
                // Its window, the two oldest ended records: endedLate (kept) and old[1].
                #expect(await retention.deleteExpired() == 1)
                await #expect(throws: RegistryError.invocationNotFound(id: old[1].id)) { try await store.invocation(id: old[1].id) }
                #expect(try await store.invocation(id: oldRunning.id).status == .running)
                #expect(try await store.invocation(id: recent.id).status == .succeeded)
                #expect(try await store.invocation(id: endedLate.id).status == .succeeded)
                #expect(try await store.invocation(id: queued.id).status == .queued)
                try await Task.sleep(for: .milliseconds(1200))
                #expect(try await store.deleteInvocations(olderThan: .seconds(1), limit: 100) == 2, "the recent ended ones, once old enough")
                await #expect(throws: RegistryError.invalidInput("deleteInvocations needs an age over zero and a limit over zero, not 0.0 seconds and 10")) {
                    try await store.deleteInvocations(olderThan: .zero, limit: 10)
                }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func cancelQueuedLeavesOtherFunctionsAlone(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let one = try await store.createVersion(of: "one", Samples.source("one")).version
                let two = try await store.createVersion(of: "two", Samples.source("two")).version
                for index in 0..<3 { _ = try await store.enqueueAsync(of: one, input: [UInt8(index)]) }
                let survivor = try await store.enqueueAsync(of: two, input: [7])
                #expect(try await store.cancelQueued(of: "one") == 3)
                #expect(try await store.cancelQueued(of: "one") == 0)
                #expect(try await store.queueDepth() == 1)
                #expect(try await store.function(named: "one").invocationCounts == [.cancelled: 3])
                #expect(try await store.claimNextQueued(for: Samples.instanceA)?.invocation.id == survivor.id)
            }
        }

        /// Calls queued while the function is being deleted, from two stores: each either is refused
        /// or lands before the delete and is cancelled by it; none is left queued for a function that
        /// no longer exists.
        @Test(arguments: StoreKind.allCases)
        func enqueuesRacingADeleteLeaveNothingQueued(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            try await database.makeStore().withRunning { first in
                try await database.makeStore().withRunning { second in
                    for round in 0..<5 {
                        let version = try await first.createVersion(of: "racing", Samples.source("round \(round)")).version
                        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                            for index in 0..<40 {
                                let store: any FunctionStore = index.isMultiple(of: 2) ? first : second
                                group.addTask {
                                    do {
                                        _ = try await store.enqueueAsync(of: version, input: [UInt8(index)])
                                        return true
                                    } catch RegistryError.functionNotFound {
                                        return false
                                    }
                                }
                                if index == 20 {
                                    group.addTask {
                                        _ = try await second.deleteFunction(named: "racing")
                                        return false
                                    }
                                }
                            }
                            return try await group.reduce(into: [Bool]()) { $0.append($1) }
                        }
                        #expect(outcomes.contains(true))
                        #expect(try await first.queueDepth() == 0, "round \(round)")
                    }
                }
            }
        }

        /// A call queued on version 1 runs on version 1 even after version 2 is deployed; new calls
        /// get version 2.
        @Test(arguments: StoreKind.allCases)
        func queuedCallsKeepTheVersionTheyWereMadeFor(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let v1 = try await store.createVersion(of: "swap", Samples.source("v1")).version
                let queued = try await store.enqueueAsync(of: v1, input: [1])
                let v2 = try await store.createVersion(of: "swap", Samples.source("v2")).version
                let claimed = try #require(try await store.claimNextQueued(for: Samples.instanceA))
                #expect(claimed.invocation.id == queued.id)
                #expect(claimed.invocation.version == 1)
                let code = try await store.code(of: try await store.version(of: "swap", number: claimed.invocation.version))
                #expect(code == .source("# v1\n" + Samples.echo))
                #expect(try await store.version(of: "swap", number: nil) == v2)
            }
        }
    }
}

@Test(arguments: ["4", "7"]) func uuidsAreLowerCaseUUIDsOfTheirVersionThatDiffer(_ version: String) {
    let ids = (0..<1000).map { _ in version == "4" ? RandomUUID.lowercased() : RandomUUID.timeOrdered() }
    #expect(Set(ids).count == ids.count)
    for id in ids {
        let bytes = Array(id.utf8)
        #expect(bytes.count == 36)
        #expect([8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") })
        let digits = bytes.enumerated().filter { ![8, 13, 18, 23].contains($0.offset) }.map(\.element)
        #expect(digits.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }, "\(id)")
        #expect(bytes[14] == version.utf8.first, "version \(version): \(id)")
        #expect("89ab".utf8.contains(bytes[19]), "variant 10: \(id)")
        // Foundation parses it back to the same UUID.
        #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
    }
}

/// Invocation ids grow with time (to the millisecond), so the registry's index of them grows at its
/// end; and the time in them is the time they were made.
@Test func invocationIDsAreOrderedByTheMillisecondTheyWereMadeIn() {
    let start = Date(timeIntervalSince1970: 1_800_000_000.5)
    // 10 ms apart: ids made in the same millisecond are in random order.
    let ids = (0..<200).map { RandomUUID.timeOrdered(now: start.addingTimeInterval(Double($0) * 0.01)) }
    #expect(ids == ids.sorted())
    let first = Array(ids[0].utf8)
    let hex = String(decoding: first[0..<8] + first[9..<13], as: UTF8.self)
    #expect(UInt64(hex, radix: 16) == 1_800_000_000_500)
    #expect(Array(Invocation.newID().utf8)[14] == UInt8(ascii: "7"))
}
