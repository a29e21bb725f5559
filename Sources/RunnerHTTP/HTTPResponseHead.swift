#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds response heads into one buffer that is reused for every response a thread writes.
///
/// Every runner response is JSON with a Content-Length, so the head is mostly constant bytes: the
/// status line, then fixed field lines, then the length, the date and the few fields that vary.
/// Nothing is allocated once the buffer has grown to the largest head (one with an X-Log-Tail).
public struct HTTPResponseHead: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var count = 0
    private var date = HTTPDate()

    public init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    /// How the response ends the exchange: as the request asked, or by closing the connection.
    public enum Persistence {
        /// HTTP/1.1 keep-alive: nothing to say.
        case keepAlive
        /// HTTP/1.0 keep-alive: say so, or the client assumes a close.
        case keepAliveHTTP10
        case close
    }

    /// Starts a head: status line and `Content-Type: application/json`.
    public mutating func begin(_ status: HTTPStatus) {
        count = 0
        append(status.statusLine)
        append("Content-Type: application/json\r\n")
    }

    /// Adds one field line. `name` is written as it is; `value` must hold no CR or LF.
    public mutating func field(_ name: StaticString, _ value: UnsafeRawBufferPointer) {
        append(name)
        append(": ")
        append(value)
        append("\r\n")
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        var value = value
        value.withUTF8 { field(name, UnsafeRawBufferPointer($0)) }
    }

    /// Ends the head with Content-Length, Date, Connection (when it must be said) and the blank line.
    public mutating func finish(contentLength: Int, persistence: Persistence) {
        append("Content-Length: ")
        appendDecimal(contentLength)
        append("\r\n")
        var line = date.fieldLine()
        withUnsafeBytes(of: &line) { append(UnsafeRawBufferPointer(rebasing: $0[0..<HTTPDate.lineLength])) }
        switch persistence {
        case .keepAlive: break
        case .keepAliveHTTP10: append("Connection: keep-alive\r\n")
        case .close: append("Connection: close\r\n")
        }
        append("\r\n")
    }

    /// The head so far, valid until the next `begin`.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// "HTTP/1.1 100 Continue" and a blank line: the interim response to `Expect: 100-continue`.
    public static let continueResponse: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"

    private mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    private mutating func appendDecimal(_ value: Int) {
        reserve(20)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let length = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var remaining = max(0, value)
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(0x30 + remaining % 10)
                remaining /= 10
            } while remaining > 0
            (base + count).copyMemory(from: scratch.baseAddress! + index, byteCount: scratch.count - index)
            return scratch.count - index
        }
        count += length
    }

    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}
