import NIOCore
import Synchronization

/// Keeps an event loop polling instead of sleeping, for a moment.
///
/// A lone request waits for the interpreter thread, whose answer then has to wake the event loop from
/// `epoll_wait`; on a virtual CPU that wake-up costs more than a small function's whole run. While the
/// poller runs, the loop re-queues a no-op task, so it polls with a zero timeout: it keeps serving every
/// other connection (nothing is blocked) and sees the answer at once. Under load the loop never
/// sleeps anyway, so this is only started for a request that arrived alone.
final class EventLoopPoller: Sendable {
    private let eventLoop: any EventLoop
    private let end: ContinuousClock.Instant
    private let stopped = Atomic<Bool>(false)

    private init(eventLoop: any EventLoop, end: ContinuousClock.Instant) {
        self.eventLoop = eventLoop
        self.end = end
    }

    static func start(on eventLoop: any EventLoop, for duration: Duration) -> EventLoopPoller {
        let poller = EventLoopPoller(eventLoop: eventLoop, end: .now + duration)
        poller.tick()
        return poller
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func tick() {
        guard !stopped.load(ordering: .relaxed), ContinuousClock.now < end else { return }
        eventLoop.execute { self.tick() }
    }
}
