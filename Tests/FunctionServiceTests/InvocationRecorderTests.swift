import Foundation
import FunctionRegistry
import Logging
import Testing

@testable import FunctionService

/// The recorder against a real SQLite registry: what it does when the registry refuses a record, and
/// before and after its `run()`.
@Suite struct InvocationRecorderTests {
    static let instance = InstanceIdentity(id: "recorder-test", hostname: "host", processID: 1)

    @Test func aRecordTheRegistryRefusesIsDroppedAndTheRestOfItsBatchIsWritten() async throws {
        try await withRecorder { store, recorder, version in
            let good = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            let bad = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            let running = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            recorder.running(good)
            recorder.running(bad)
            recorder.running(running)
            await recorder.ended(good.finished(.succeeded(durationMS: 1)))
            await recorder.ended(bad.finished(.succeeded(durationMS: .nan)))
            await recorder.flush()
            let goodStatus = try await store.invocation(id: good.id).status
            #expect(goodStatus == .succeeded)
            let runningStatus = try await store.invocation(id: running.id).status
            #expect(runningStatus == .running)
            await #expect(throws: RegistryError.invocationNotFound(id: bad.id)) { try await store.invocation(id: bad.id) }
            // Later records are not held up.
            let next = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            await recorder.ended(next.finished(.succeeded(durationMS: 2)))
            await recorder.flush()
            let nextDuration = try await store.invocation(id: next.id).durationMS
            #expect(nextDuration == 2)
        }
    }

    @Test func longTextsAreCutBeforeTheyAreQueued() {
        let version = FunctionVersion.sample()
        let long = String(repeating: "é", count: 100_000)
        let record = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            .finished(.failed(InvocationError(type: "E", message: "start" + long), durationMS: 1, logTail: long + "end"))
        let bounded = InvocationRecorder.bounded(record)
        #expect(bounded.outcome?.error?.message.utf8.count ?? .max <= InvocationRecorder.maxQueuedTextBytes)
        #expect(bounded.outcome?.error?.message.hasPrefix("start") == true)
        #expect(bounded.outcome?.logTail?.utf8.count ?? .max <= InvocationRecorder.maxQueuedTextBytes)
        #expect(bounded.outcome?.logTail?.hasSuffix("end") == true)
    }

    @Test func beforeAndAfterItsRunRecordsAreWrittenAtOnce() async throws {
        try await withStore { store, version in
            let recorder = InvocationRecorder(store: store, batchDelay: .seconds(60), logger: Logger(label: "test"))
            let before = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            await recorder.ended(before.finished(.succeeded(durationMS: 1)))
            let beforeStatus = try await store.invocation(id: before.id).status
            #expect(beforeStatus == .succeeded)

            // Run, then stop: what was queued (the batch delay is long) is written at the end.
            let running = Task { try await recorder.run() }
            let queued = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            try await Task.sleep(for: .milliseconds(200))
            await recorder.ended(queued.finished(.succeeded(durationMS: 1)))
            running.cancel()
            try await running.value
            let queuedStatus = try await store.invocation(id: queued.id).status
            #expect(queuedStatus == .succeeded)

            let after = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            await recorder.ended(after.finished(.succeeded(durationMS: 1)))
            await recorder.flush()
            let afterStatus = try await store.invocation(id: after.id).status
            #expect(afterStatus == .succeeded)
        }
    }

    /// A flush (a reader, an async call being queued) does not wait out the batch delay the writer is
    /// already in: it ends it.
    @Test(.timeLimit(.minutes(1))) func aFlushEndsTheBatchDelayEarly() async throws {
        try await withStore { store, version in
            let recorder = InvocationRecorder(store: store, batchDelay: .seconds(30), logger: Logger(label: "test"))
            let running = Task { try await recorder.run() }
            try await Task.sleep(for: .milliseconds(100))
            let record = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            await recorder.ended(record.finished(.succeeded(durationMS: 1)))
            // The writer woke for the record and is waiting out its 30 s.
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            await recorder.flush()
            #expect(ContinuousClock.now - started < .seconds(10))
            let status = try await store.invocation(id: record.id).status
            #expect(status == .succeeded)
            running.cancel()
            try await running.value
        }
    }

    /// A call that ends within the batch delay is written once, final, when the delay is over: its
    /// end does not wake the writer again (which would make every call a write of its own).
    @Test(.timeLimit(.minutes(1))) func aCallThatEndsWithinTheBatchDelayWaitsForIt() async throws {
        try await withStore { store, version in
            let recorder = InvocationRecorder(store: store, batchDelay: .seconds(30), logger: Logger(label: "test"))
            let running = Task { try await recorder.run() }
            try await Task.sleep(for: .milliseconds(100))
            let record = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            recorder.running(record)
            try await Task.sleep(for: .milliseconds(100))
            await recorder.ended(record.finished(.succeeded(durationMS: 1)))
            try await Task.sleep(for: .milliseconds(300))
            await #expect(throws: RegistryError.invocationNotFound(id: record.id)) { try await store.invocation(id: record.id) }
            await recorder.flush()
            let status = try await store.invocation(id: record.id).status
            #expect(status == .succeeded)
            running.cancel()
            try await running.value
        }
    }

    /// A record that waited for room (the queue was full) is written like any other, without a flush
    /// or a later record to wake the writer.
    @Test(.timeLimit(.minutes(1))) func aRecordThatWaitedForRoomIsWritten() async throws {
        try await withStore { store, version in
            let recorder = InvocationRecorder(store: store, batchDelay: .seconds(1), maxQueued: 1, logger: Logger(label: "test"))
            let running = Task { try await recorder.run() }
            try await Task.sleep(for: .milliseconds(100))
            let first = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            let second = SyncInvocationRecord(startingNow: version, instance: Self.instance)
            await recorder.ended(first.finished(.succeeded(durationMS: 1)))
            // The writer is waiting out its batch delay: the second record waits for room (a write of
            // the first), then is queued alone.
            try await Task.sleep(for: .milliseconds(100))
            await recorder.ended(second.finished(.succeeded(durationMS: 2)))
            #expect(try await eventually { (try? await store.invocation(id: second.id).status) == .succeeded })
            let firstStatus = try await store.invocation(id: first.id).status
            #expect(firstStatus == .succeeded)
            running.cancel()
            try await running.value
        }
    }

    private func withRecorder(
        _ body: (any FunctionStore, InvocationRecorder, FunctionVersion) async throws -> Void
    ) async throws {
        try await withStore { store, version in
            let recorder = InvocationRecorder(store: store, batchDelay: .milliseconds(20), logger: Logger(label: "test"))
            let running = Task { try await recorder.run() }
            // Running once a flush waits for nothing and a record is queued rather than written directly.
            try await Task.sleep(for: .milliseconds(100))
            try await body(store, recorder, version)
            running.cancel()
            try await running.value
        }
    }

    /// A running SQLite registry in a temporary directory, with one function version.
    private func withStore(_ body: (any FunctionStore, FunctionVersion) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SQLiteFunctionStore(configuration: SQLiteStoreConfiguration(path: directory + "/registry.sqlite"))
        try await store.withRunning { store in
            let version = try await store.createVersion(of: "recorded", NewFunctionVersion(code: .source("def entrypoint(data):\n    return data\n"))).version
            try await body(store, version)
        }
    }
}
