#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The runner's one epoll set, with an eventfd to interrupt a wait. Edge-triggered for connections:
/// whoever handles an event reads until the socket has no more, and an event costs no re-arming call.
final class EventPoll {
    let descriptor: Int32
    private let wakeDescriptor: Int32

    /// Events a connection is registered for at accept: readable, edge-triggered. Writable is added
    /// only while a response waits for room (`connectionEventsWithOutput`): a Unix socket signals
    /// writable each time its peer reads, which would wake the loop once more per request.
    static let connectionEvents = UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue) | EPOLLET.rawValue
    static let connectionEventsWithOutput = connectionEvents | UInt32(EPOLLOUT.rawValue)

    init() throws(RunnerStartError) {
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard descriptor >= 0 else { throw .system("epoll_create1", errno) }
        wakeDescriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeDescriptor >= 0 else {
            close(descriptor)
            throw .system("eventfd", errno)
        }
        try add(wakeDescriptor, events: UInt32(EPOLLIN.rawValue), token: EventToken.wake)
    }

    deinit {
        close(wakeDescriptor)
        close(descriptor)
    }

    func add(_ fd: Int32, events: UInt32, token: UInt64) throws(RunnerStartError) {
        guard clinux_epoll_ctl(descriptor, EPOLL_CTL_ADD, fd, events, token) == 0 else { throw .system("epoll_ctl", errno) }
    }

    /// Changes what a registered descriptor is watched for; false if it failed.
    func modify(_ fd: Int32, events: UInt32, token: UInt64) -> Bool {
        clinux_epoll_ctl(descriptor, EPOLL_CTL_MOD, fd, events, token) == 0
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for events; how many `batch` now holds.
    func wait(into batch: inout EventBatch, timeoutMilliseconds: Int32) -> Int {
        while true {
            let count = batch.wait(descriptor, timeoutMilliseconds: timeoutMilliseconds)
            if count >= 0 { return count }
            if errno != EINTR { return 0 }
        }
    }

    /// Makes a wait on this set return (from any thread).
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }

    /// Resets the wake-up counter after its event.
    func clearWake() {
        var value: UInt64 = 0
        _ = read(wakeDescriptor, &value, 8)
    }
}
