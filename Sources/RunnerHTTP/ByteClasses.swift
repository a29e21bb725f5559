/// RFC 9110's character classes, on single bytes.
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar`: the characters of a token (method, field name).
    @inline(__always)
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true  // DIGIT, ALPHA
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true  // !#$%&'*+-.^_`|~
        default: false
        }
    }

    /// A byte of a field value: VCHAR, SP, HTAB or obs-text. No CR, LF, NUL or other controls.
    @inline(__always)
    static func isFieldValueCharacter(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == tab
    }

    /// A byte of a request target: VCHAR only (no spaces, no controls, no raw non-ASCII).
    @inline(__always)
    static func isTargetCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
