import CLinux

/// Room for one `epoll_wait`'s events; one per polling thread.
struct EventBatch: ~Copyable {
    static let capacity = 64
    private let packed = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
    private let events = UnsafeMutablePointer<clinux_event>.allocate(capacity: capacity)

    deinit {
        packed.deallocate()
        events.deallocate()
    }

    func wait(_ descriptor: Int32, timeoutMilliseconds: Int32) -> Int {
        Int(clinux_epoll_wait(descriptor, packed, events, Int32(Self.capacity), timeoutMilliseconds))
    }

    subscript(_ index: Int) -> (token: UInt64, events: UInt32) {
        (events[index].data, events[index].events)
    }
}
