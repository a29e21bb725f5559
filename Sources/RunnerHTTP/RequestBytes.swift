#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only access to the bytes of one request, by offset from its start.
struct RequestBytes {
    let base: UnsafeRawPointer
    let count: Int

    @inline(__always)
    subscript(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    /// The offset of the first CR LF at or after `start` and before `end`, or nil.
    func crlf(from start: Int, before end: Int) -> Int? {
        var index = start
        while index + 1 < end {
            guard let found = memchr(base + index, Int32(ByteClass.cr), end - 1 - index) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(found))
            if self[offset + 1] == ByteClass.lf { return offset }
            index = offset + 1
        }
        return nil
    }

    enum HeadEnd: Equatable {
        /// The offset of the CR LF CR LF that ends the head.
        case found(Int)
        case notYet
        /// A line ends in a bare LF.
        case bareLineFeed
    }

    /// Looks for the blank line that ends a head, checking that every line feed from `start` on
    /// follows a carriage return (RFC 9112 allows accepting a bare LF; the runner refuses it, so that
    /// no two parsers could disagree about where a line ends).
    func headEnd(from start: Int) -> HeadEnd {
        var index = start
        while index < count {
            guard let found = memchr(base + index, Int32(ByteClass.lf), count - index) else { return .notYet }
            let offset = base.distance(to: UnsafeRawPointer(found))
            guard offset > 0, self[offset - 1] == ByteClass.cr else { return .bareLineFeed }
            if offset >= 3, self[offset - 2] == ByteClass.lf { return .found(offset - 3) }
            index = offset + 1
        }
        return .notYet
    }

    /// Whether `slice` equals `expected` ignoring ASCII case. `expected` must be lower case and made of
    /// letters, digits and '-' (for those, OR-ing 0x20 lowers a letter and changes nothing else).
    func equalsIgnoringCase(_ start: Int, _ count: Int, _ expected: StaticString) -> Bool {
        guard count == expected.utf8CodeUnitCount else { return false }
        let other = expected.utf8Start
        for index in 0..<count where self[start + index] | 0x20 != other[index] {
            return false
        }
        return true
    }

    func equals(_ start: Int, _ count: Int, _ expected: StaticString) -> Bool {
        guard count == expected.utf8CodeUnitCount else { return false }
        return memcmp(base + start, expected.utf8Start, count) == 0
    }

    func string(_ start: Int, _ count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: base + start, count: count), as: UTF8.self)
    }
}
