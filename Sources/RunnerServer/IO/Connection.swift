#if canImport(Glibc)
import Glibc
#endif
import CLinux
import PosixThreads
import RunnerHTTP

/// One accepted connection: its bytes in and out, and where it is in the request/response cycle.
///
/// Touched only by the thread that holds the loop's baton (see `PollingBaton`): the interpreter
/// thread, or the standby thread while the interpreter is busy in Python.
final class Connection {
    enum Phase {
        /// Reading and answering requests as they come.
        case reading
        /// A complete /load or /run that waits for the interpreter thread (the standby read it).
        case queued(HTTPRequest, deadline: MonotonicInstant, timeout: RequestTimeout)
        /// Its request is running on the interpreter thread.
        case running(HTTPRequest, timeout: RequestTimeout)
        /// Answered with `Connection: close`: closed once its output is written.
        case closing
        /// Answered an unreadable request: write side shut, input read and dropped until the client
        /// closes (so that the kernel does not reset the connection before the client reads the
        /// answer), at most `lingerBytes` of it, until `until`.
        case lingering(until: MonotonicInstant, discarded: Int)
    }

    static let lingerBytes = 1 << 20
    static let lingerTime: Duration = .seconds(2)

    let descriptor: Int32
    /// The epoll token: the descriptor and a generation, so that an event for a closed connection
    /// whose descriptor was reused is recognised as stale.
    let token: UInt64
    var input: InputBuffer
    var decoder: HTTPRequestDecoder
    var output = OutputBuffer()
    var phase = Phase.reading
    /// Edge-triggered epoll: the socket may hold bytes not read yet (no read has come up short since
    /// the last readiness event).
    var inputPending = true
    /// epoll reported the peer's half-close (`EPOLLRDHUP`/`EPOLLHUP`). The end of the stream may sit
    /// behind bytes a short read leaves, with no further edge to announce it, so reads go on until
    /// one returns it.
    var hangUpReported = false
    var peerClosed = false
    /// `100 Continue` was sent for the current request.
    var sentContinue = false
    /// The socket failed (reset, broken pipe): close it.
    var broken = false
    /// Lingering: the write side is shut.
    var writeShutDown = false
    /// Registered for writable events (while `output` waits for room).
    var watchesWritable = false

    init(descriptor: Int32, token: UInt64, limits: HTTPLimits) {
        self.descriptor = descriptor
        self.token = token
        decoder = HTTPRequestDecoder(limits: limits)
        input = InputBuffer(maximumCapacity: limits.maxHeadBytes + limits.maxBodyBytes + limits.maxTrailerBytes + 2 * limits.maxChunkLineBytes + 64 * 1024)
    }

    /// Whether a request is under way: bytes of one received, queued, running, or output unwritten.
    var isBusy: Bool {
        switch phase {
        case .queued, .running: return true
        case .closing: return !output.isEmpty
        case .lingering: return false
        case .reading: return !input.isEmpty || !output.isEmpty
        }
    }

    /// Writes `head` then `body` with one system call; what the socket does not take waits in
    /// `output` for the next writable event.
    func send(_ head: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) {
        guard !broken else { return }
        guard output.isEmpty else {
            output.append(head)
            output.append(body)
            flush()
            return
        }
        let total = head.count + body.count
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress), iov_len: head.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count)
        )
        let written = withUnsafeMutableBytes(of: &vectors) { raw in
            raw.withMemoryRebound(to: iovec.self) { sendRetrying($0.baseAddress!, count: body.isEmpty ? 1 : 2) }
        }
        guard written < total else { return }
        guard written >= 0 else { return }
        if written < head.count {
            output.append(UnsafeRawBufferPointer(rebasing: head[written...]))
            output.append(body)
        } else {
            output.append(UnsafeRawBufferPointer(rebasing: body[(written - head.count)...]))
        }
    }

    /// Writes what waits in `output`, as far as the socket takes it.
    func flush() {
        guard !broken else { return }
        output.flush { bytes in
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
            return max(0, sendRetrying(&vector, count: 1))
        }
    }

    /// Bytes written; 0 when the socket is full; -1 (and `broken`) when it failed.
    private func sendRetrying(_ vectors: UnsafePointer<iovec>, count: Int32) -> Int {
        while true {
            let result = clinux_send_vectors(descriptor, vectors, count)
            if result >= 0 { return result }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default:
                broken = true
                return -1
            }
        }
    }
}
