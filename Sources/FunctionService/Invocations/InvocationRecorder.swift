import FunctionRegistry
import Logging
import ServiceLifecycle
import Synchronization

/// Writes the records of sync calls behind the calls, many per statement, so that no call waits for
/// the database: two writes per call (running, then final) cost more than the call itself.
///
/// - A call's record is queued as `running` when it starts and replaced by its final state when it
///   ends. The writer takes what is queued every `batchDelay` at most (a call that ends within it is
///   written once, final), so a call that runs longer than that is in the database as `running`, and
///   is marked `interrupted` if this process dies.
/// - Reads of records through this process call `flush()` first, so a client that got an answer
///   with `X-Invocation-Id` finds its record at once.
/// - What a sync call loses to a `kill -9` is at most the records of its last `batchDelay`: calls
///   whose answers the clients did not get either. Async calls (whose input is the user's) never go
///   through here: they are queued and finished in the registry directly.
///
/// Graceful shutdown writes everything queued. Before `run()` starts and after it ended, records are
/// written directly, one at a time, so none is ever dropped.
final class InvocationRecorder: Service {
    let store: any FunctionStore
    let batchDelay: Duration
    /// Beyond this many queued records, ending calls wait for a write (the database is slower than
    /// the calls, or unreachable).
    let maxQueued: Int
    let logger: Logger
    private let state = Mutex(State())
    private let doorbell = Doorbell()

    private struct State {
        var isRunning = false
        /// Queued records by id, the latest state of each, and their ids in the order the calls
        /// started: the registry numbers records in the order they are written.
        var queued: [String: SyncInvocationRecord] = [:]
        var order: [String] = []
        /// Write attempts are numbered: the next one takes what is queued now. `inProgress` is the one
        /// writing, `attempted` the last one done.
        var nextAttempt: UInt64 = 1
        var inProgress: UInt64?
        var attempted: UInt64 = 0
        var waiters: [(attempt: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        /// A reader waits: write without waiting out `batchDelay`.
        var urgent = false

        mutating func enqueue(_ record: SyncInvocationRecord) {
            if queued.updateValue(record, forKey: record.id) == nil { order.append(record.id) }
        }

        /// Takes what is queued for the next attempt; returns it with the attempt's number.
        mutating func take() -> ([SyncInvocationRecord], UInt64) {
            let records = order.compactMap { queued[$0] }
            queued.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            urgent = false
            inProgress = nextAttempt
            nextAttempt += 1
            return (records, inProgress!)
        }
    }

    /// Write attempts at shutdown (each failed one waits 200 ms): a database that stays unreachable
    /// does not hold the process.
    private static let writesAtShutdown = 25

    init(store: any FunctionStore, batchDelay: Duration, maxQueued: Int = 10_000, logger: Logger) {
        self.store = store
        self.batchDelay = batchDelay
        self.maxQueued = max(1, maxQueued)
        self.logger = logger
    }

    /// A sync call starts.
    func started(_ record: SyncInvocationRecord) async {
        await enqueue(record)
    }

    /// A sync call ended (`record` carries its outcome).
    func ended(_ record: SyncInvocationRecord) async {
        await enqueue(record)
    }

    /// Returns once every record queued before the call was written (or its write failed and was
    /// logged; it is retried).
    func flush() async {
        let attempt = state.withLock { state -> UInt64? in
            guard state.isRunning else { return nil }
            // Nothing queued: what an attempt in progress (if any) writes is all there is to wait for.
            if state.order.isEmpty { return state.inProgress }
            state.urgent = true
            return state.nextAttempt
        }
        guard let attempt else { return }
        doorbell.ring()
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                guard state.attempted < attempt else { return true }
                state.waiters.append((attempt, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    func run() async throws {
        try? await store.waitUntilReady()
        state.withLock { $0.isRunning = true }
        let stopping = Flag()
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                await self.doorbell.wait(timeout: .seconds(3600))
                if !stopping.isSet, !self.state.withLock({ $0.urgent }) {
                    try? await Task.sleep(for: self.batchDelay)
                }
                await self.writeQueued()
            }
        } onGracefulShutdown: {
            stopping.set()
            self.doorbell.ring()
        }
        // Whatever is queued now is written, and from here on records are written directly.
        for _ in 0..<Self.writesAtShutdown {
            let isEmpty = state.withLock { state in
                if state.order.isEmpty { state.isRunning = false }
                return state.order.isEmpty
            }
            if isEmpty { break }
            await writeQueued()
        }
        let lost = state.withLock { state in
            state.isRunning = false
            return state.order.count
        }
        if lost > 0 { logger.error("the records of \(lost) sync invocations could not be written before shutdown") }
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    private func enqueue(_ record: SyncInvocationRecord) async {
        let queued = state.withLock { state -> Int? in
            guard state.isRunning else { return nil }
            state.enqueue(record)
            return state.order.count
        }
        guard let queued else {
            await write([record])
            return
        }
        if queued == 1 { doorbell.ring() }
        if queued >= maxQueued { await flush() }
    }

    /// One write attempt of what is queued. Records that could not be written are queued again
    /// (behind any newer state of the same call).
    private func writeQueued() async {
        let (batch, attempt) = state.withLock { $0.take() }
        if !batch.isEmpty, !(await write(batch)) {
            state.withLock { state in
                let newer = state.queued
                let newerOrder = state.order
                state.queued.removeAll(keepingCapacity: true)
                state.order.removeAll(keepingCapacity: true)
                for record in batch { state.enqueue(newer[record.id] ?? record) }
                for id in newerOrder where state.queued[id] == nil { state.enqueue(newer[id]!) }
            }
            // Not at once again: the database needs a moment.
            try? await Task.sleep(for: .milliseconds(200))
            doorbell.ring()
        }
        let resumed = state.withLock { state in
            state.attempted = attempt
            state.inProgress = nil
            let due = state.waiters.filter { $0.attempt <= attempt }
            state.waiters.removeAll { $0.attempt <= attempt }
            return due
        }
        for waiter in resumed { waiter.continuation.resume() }
    }

    @discardableResult
    private func write(_ records: [SyncInvocationRecord]) async -> Bool {
        do {
            try await store.recordSyncInvocations(records)
            return true
        } catch {
            logger.warning("could not write the records of \(records.count) sync invocations (retrying): \(error)")
            return false
        }
    }
}
