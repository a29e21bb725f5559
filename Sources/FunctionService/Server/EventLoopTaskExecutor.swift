import NIOCore
import Synchronization

/// Runs a task's jobs on one NIO event loop: the loop that owns the task's connection.
///
/// A call through `serve` is two exchanges on event loops: the caller's request and answer, and the
/// runner's. On Swift's default executor every step between them wakes another thread (the loop
/// hands the request to a pool thread, which hands the runner's request back to the loop, and so
/// on): four thread wake-ups per call, most of what `serve` added to a call's latency. With the
/// connection's task on its own loop, a job enqueued from that loop runs in the same loop tick, and
/// the runner's answer resumes the call where it arrived.
///
/// The price is that a job that blocks holds up every connection on its loop. The handlers only
/// await; work that blocks (extracting a package, hashing a large upload) runs under
/// `withTaskExecutorPreference(globalConcurrentExecutor)`, see `offLoop(_:)`.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// The executor of `eventLoop`: one per loop, made once and never released. Queued jobs hold it
    /// unowned, and work a default actor started on it may outlive the task that brought it there.
    /// (A loop whose group shuts down drops the jobs still queued on it: serve's loops are NIO's
    /// shared ones, which never shut down.)
    static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLock { executors in
            if let made = executors[ObjectIdentifier(eventLoop)] { return made }
            let made = EventLoopTaskExecutor(eventLoop)
            executors[ObjectIdentifier(eventLoop)] = made
            return made
        }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}

/// Runs `body` on Swift's default executor, off the event loop the caller's task prefers: for work
/// that blocks a thread for a while.
func offLoop<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: body)
}
