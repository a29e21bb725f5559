import NIOCore

/// Runs tasks on a NIO event loop, so that a request's async code stays on the thread that does its I/O.
///
/// Without it, each request hops from the event loop to Swift's cooperative pool and back, on top of
/// the unavoidable hand-off to the interpreter thread; on a one-CPU container those extra thread
/// wake-ups cost more than the request itself. Task executor preference (SE-0417) is inherited by
/// child tasks, so setting it around the service group covers every connection Hummingbird serves.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
