#if canImport(Glibc)
import Glibc
#endif

/// The bytes a connection has received and not yet consumed: the current request from its first
/// byte, and whatever the client pipelined after it.
///
/// It grows as a request needs (up to the largest request the limits allow) and shrinks back once a
/// large request is done, so that an idle connection costs little memory.
struct InputBuffer: ~Copyable {
    static let initialCapacity = 16 * 1024
    /// Room kept free for a read, so that a read is never tiny.
    private static let minimumReadSpace = 4 * 1024

    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// The current request's first byte.
    private(set) var start = 0
    /// One past the last byte received.
    private(set) var end = 0
    /// The most the buffer may hold.
    let maximumCapacity: Int

    init(maximumCapacity: Int) {
        self.maximumCapacity = max(maximumCapacity, Self.initialCapacity)
        capacity = Self.initialCapacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    var count: Int { end - start }
    var isEmpty: Bool { start == end }
    var requestStart: UnsafeMutableRawPointer { base + start }

    /// The decoder may compact a chunked body: the received bytes now end at `start + count`.
    mutating func setCount(_ count: Int) {
        end = start + count
    }

    /// Drops the first `length` bytes (a request that has been answered).
    mutating func consume(_ length: Int) {
        start += length
        if start >= end {
            start = 0
            end = 0
            if capacity > 4 * Self.initialCapacity { resize(to: Self.initialCapacity) }
        }
    }

    mutating func removeAll() {
        consume(count)
    }

    enum ReadOutcome: Equatable {
        /// Bytes arrived; `drained` when the socket had no more (a short read).
        case data(drained: Bool)
        case wouldBlock
        case endOfStream
        /// The buffer is at its maximum and full.
        case full
        case failed(Int32)
    }

    /// One `read` into the free space, after making room.
    mutating func read(from descriptor: Int32) -> ReadOutcome {
        guard makeRoom() else { return .full }
        let space = capacity - end
        while true {
            let result = Glibc.read(descriptor, base + end, space)
            if result > 0 {
                end += result
                return .data(drained: result < space)
            }
            if result == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    /// Ensures free space for a read: moves the current request to the front, or grows.
    private mutating func makeRoom() -> Bool {
        if capacity - end >= Self.minimumReadSpace { return true }
        if start > 0 {
            memmove(base, base + start, end - start)
            end -= start
            start = 0
            if capacity - end >= Self.minimumReadSpace { return true }
        }
        guard capacity < maximumCapacity else { return capacity > end }
        resize(to: min(maximumCapacity, capacity * 2))
        return true
    }

    private mutating func resize(to newCapacity: Int) {
        let resized = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if end > start { resized.copyMemory(from: base + start, byteCount: end - start) }
        base.deallocate()
        base = resized
        end -= start
        start = 0
        capacity = newCapacity
    }
}
