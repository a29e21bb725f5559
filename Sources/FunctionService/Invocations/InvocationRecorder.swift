import FunctionRegistry
import Logging
import ServiceLifecycle
import Synchronization

/// Writes the records of sync calls behind the calls, many per statement, so that no call waits for
/// the database: two writes per call (running, then final) cost more than the call itself. OpenWhisk
/// stores the activation records of blocking calls the same way, after the answer.
///
/// - A call's record is queued as `running` when it starts (it has a runner) and replaced by its
///   final state when it ends. The writer takes what is queued every `batchDelay` at most (a call
///   that ends within it is written once, final), so a call that runs longer than that is in the
///   database as `running`, and is marked `interrupted` if this process dies.
/// - Reads of records through this process call `flush()` first, so a client that got an answer
///   with `X-Invocation-Id` finds its record at once; so does queueing an async call, so that it is
///   numbered after the sync calls answered before it. A flush ends the batch delay early. Another
///   serve process sharing a PostgreSQL registry sees a record within `batchDelay`.
/// - The price: a `kill -9` (or a registry that stays unreachable until shutdown) loses the records
///   still queued, those of the last `batchDelay` or so, answered calls included. The calls' results
///   were in their answers; async calls, whose input is the user's, never go through here (they are
///   queued and finished in the registry directly).
///
/// A batch the registry refuses is retried record by record, and a record refused on its own is
/// dropped with an error in the log, so one bad record cannot hold up the others. While the registry
/// is unreachable, records wait, up to `maxQueued`; beyond that, new ones are dropped (and counted in
/// the log). Graceful shutdown writes what is queued, trying for at most `shutdownDeadline`. Before
/// `run()` starts and after it ended, each record is written on its own as it comes.
final class InvocationRecorder: Service {
    let store: any FunctionStore
    let batchDelay: Duration
    let maxQueued: Int
    let shutdownDeadline: Duration
    let logger: Logger
    private let state = Mutex(State())
    private let doorbell = Doorbell()

    /// Longer error messages and log tails are cut before they are queued (the registry cuts them to
    /// its own limits when it writes them).
    static let maxQueuedTextBytes = 8 << 10

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
        /// Records dropped since the last warning about it.
        var dropped = 0

        /// Queues the record, or replaces the queued state of its call. True when the record is the
        /// only one queued now, new: the writer, idle, is to be woken. A call's final state replacing
        /// its `running` one must not wake the writer again, which would end its batch delay.
        @discardableResult
        mutating func enqueue(_ record: SyncInvocationRecord) -> Bool {
            guard queued.updateValue(record, forKey: record.id) == nil else { return false }
            order.append(record.id)
            return order.count == 1
        }

        /// A record already queued only changes state; a new one needs a free place.
        func hasRoom(for record: SyncInvocationRecord, maxQueued: Int) -> Bool {
            order.count < maxQueued || queued[record.id] != nil
        }

        /// Takes what is queued for the next attempt; returns it with the attempt's number.
        mutating func take() -> ([SyncInvocationRecord], UInt64) {
            let records = order.compactMap { queued[$0] }
            queued.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            urgent = false
            let attempt = nextAttempt
            inProgress = attempt
            nextAttempt += 1
            return (records, attempt)
        }

        /// Puts back records that were not written, in front of (and older than) what was queued since.
        mutating func requeue(_ records: [SyncInvocationRecord]) {
            let newer = queued
            let newerOrder = order
            queued.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            for record in records { enqueue(newer[record.id] ?? record) }
            for id in newerOrder where queued[id] == nil { enqueue(newer[id]!) }
        }

        /// The attempt ended: the waiters it covers.
        mutating func attemptEnded(_ attempt: UInt64) -> [CheckedContinuation<Void, Never>] {
            attempted = attempt
            inProgress = nil
            let due = waiters.filter { $0.attempt <= attempt }.map(\.continuation)
            waiters.removeAll { $0.attempt <= attempt }
            return due
        }
    }

    init(
        store: any FunctionStore, batchDelay: Duration, maxQueued: Int = 10_000, shutdownDeadline: Duration = .seconds(5),
        logger: Logger
    ) {
        self.store = store
        self.batchDelay = batchDelay
        self.maxQueued = max(1, maxQueued)
        self.shutdownDeadline = shutdownDeadline
        self.logger = logger
    }

    /// A sync call starts: queued as `running`, without waiting. When the queue is full, or `run()`
    /// is not running (before it started or after it ended), this state is skipped: the call's final
    /// state, from `ended`, is written then, and waits for room if it must.
    func running(_ record: SyncInvocationRecord) {
        let wakesWriter = state.withLock { state -> Bool in
            guard state.isRunning, state.hasRoom(for: record, maxQueued: maxQueued) else { return false }
            return state.enqueue(record)
        }
        if wakesWriter { doorbell.ring() }
    }

    /// A sync call ended (`record` carries its outcome).
    func ended(_ record: SyncInvocationRecord) async {
        await enqueue(Self.bounded(record))
    }

    /// Returns once every record queued before the call was written, or its write failed (it is then
    /// queued again, and the failure logged).
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
                // Once `run()` stopped, no attempt comes (it resumed the waiters it had).
                guard state.isRunning, state.attempted < attempt else { return true }
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
                await self.doorbell.wait()
                if !stopping.isSet, !self.state.withLock({ $0.urgent }) {
                    // Ended early by a ring: a `flush()` (a reader, or an async call being queued)
                    // or the shutdown.
                    await self.doorbell.wait(timeout: self.batchDelay)
                }
                await self.writeQueued()
            }
        } onGracefulShutdown: {
            stopping.set()
            self.doorbell.ring()
        }
        await writeEverythingQueued()
    }

    /// At the end of `run()`: what is queued is written (within `shutdownDeadline`), and from then on
    /// records are written as they come.
    private func writeEverythingQueued() async {
        let deadline = ContinuousClock.now + shutdownDeadline
        while ContinuousClock.now < deadline, state.withLock({ !$0.order.isEmpty }) {
            // Shielded: a cancelled task's statements would be skipped.
            await Task { await self.writeQueued(pauseAfterFailure: false) }.value
        }
        let (lost, waiters) = state.withLock { state in
            state.isRunning = false
            defer { state.waiters.removeAll() }
            return (state.order.count, state.waiters.map(\.continuation))
        }
        for waiter in waiters { waiter.resume() }
        if lost > 0 { logger.error("the records of \(lost) sync invocations could not be written before shutdown") }
    }

    private enum Queueing { case direct, queued(wakesWriter: Bool), full }

    /// Queues the record if `run()` is running and there is room.
    private func queue(_ record: SyncInvocationRecord) -> Queueing {
        state.withLock { state in
            guard state.isRunning else { return .direct }
            guard state.hasRoom(for: record, maxQueued: maxQueued) else { return .full }
            return .queued(wakesWriter: state.enqueue(record))
        }
    }

    private func enqueue(_ record: SyncInvocationRecord) async {
        var next = queue(record)
        if case .full = next {
            // The registry is slower than the calls, or unreachable: wait for one write, then queue.
            await flush()
            next = queue(record)
        }
        switch next {
        case .direct:
            await writeDirectly(record)
        case .queued(let wakesWriter):
            if wakesWriter { doorbell.ring() }
        case .full:
            let dropped = state.withLock { state in
                state.dropped += 1
                return state.dropped
            }
            if dropped == 1 || dropped % 1000 == 0 {
                logger.error("\(dropped) sync invocation records dropped: \(maxQueued) are waiting for the registry already")
            }
        }
    }

    /// One write attempt of what is queued. A failed batch is tried record by record: records the
    /// registry refuses on their own are dropped; records it cannot take now are queued again.
    private func writeQueued(pauseAfterFailure: Bool = true) async {
        let (batch, attempt) = state.withLock { $0.take() }
        var unwritten: [SyncInvocationRecord] = []
        if !batch.isEmpty, let error = await write(batch) {
            if Self.isTransient(error) {
                unwritten = batch
            } else if batch.count == 1 {
                logger.error("dropped the record of sync invocation \(batch[0].id): \(error)")
            } else {
                for record in batch {
                    guard let error = await write([record]) else { continue }
                    if Self.isTransient(error) {
                        unwritten.append(record)
                    } else {
                        logger.error("dropped the record of sync invocation \(record.id): \(error)")
                    }
                }
            }
            if !unwritten.isEmpty {
                logger.warning("could not write the records of \(unwritten.count) sync invocations (will retry): \(error)")
            }
        }
        let waiters = state.withLock { state in
            if !unwritten.isEmpty { state.requeue(unwritten) }
            return state.attemptEnded(attempt)
        }
        for waiter in waiters { waiter.resume() }
        if !unwritten.isEmpty && pauseAfterFailure {
            // Not at once again: the registry needs a moment.
            try? await Task.sleep(for: .milliseconds(200))
            doorbell.ring()
        }
    }

    private func writeDirectly(_ record: SyncInvocationRecord) async {
        if let error = await write([record]) {
            logger.error("could not write the record of sync invocation \(record.id): \(error)")
        }
    }

    /// Nil when written.
    private func write(_ records: [SyncInvocationRecord]) async -> RegistryError? {
        do {
            try await store.recordSyncInvocations(records)
            return nil
        } catch {
            return error
        }
    }

    /// Errors that may go away by themselves: the registry is busy, restarting or unreachable.
    static func isTransient(_ error: RegistryError) -> Bool {
        switch error {
        case .unavailable, .shutDown: true
        default: false
        }
    }

    /// The record with its texts cut to `maxQueuedTextBytes`.
    static func bounded(_ record: SyncInvocationRecord) -> SyncInvocationRecord {
        var bounded = record
        bounded.outcome = record.outcome?.cut(toTextBytes: maxQueuedTextBytes)
        return bounded
    }
}
