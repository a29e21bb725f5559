/// RFC 9110's character classes, on single bytes. Public for the host's reader of runner answers.
public enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    @usableFromInline static let space: UInt8 = 0x20
    @usableFromInline static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar`: the characters of a token (method, field name): DIGIT, ALPHA and !#$%&'*+-.^_`|~.
    @inlinable
    public static func isTokenCharacter(_ byte: UInt8) -> Bool {
        contains(byte, 0x03FF_6CFA_0000_0000, 0x57FF_FFFF_C7FF_FFFE, 0, 0)
    }

    /// A byte of a field value: VCHAR, SP, HTAB or obs-text. No CR, LF, NUL or other controls.
    @inline(__always)
    static func isFieldValueCharacter(_ byte: UInt8) -> Bool {
        contains(byte, 0xFFFF_FFFF_0000_0200, 0x7FFF_FFFF_FFFF_FFFF, .max, .max)
    }

    /// A byte of a request target: VCHAR only (no spaces, no controls, no raw non-ASCII).
    @inline(__always)
    static func isTargetCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    /// Whether bit `byte` is set in the 256-bit set given as four words (bytes 0-63 in the first):
    /// a class test in a few instructions, with no table to load or branch chain to walk.
    @inlinable
    static func contains(_ byte: UInt8, _ word0: UInt64, _ word1: UInt64, _ word2: UInt64, _ word3: UInt64) -> Bool {
        let word = switch byte >> 6 {
        case 0: word0
        case 1: word1
        case 2: word2
        default: word3
        }
        return word >> UInt64(byte & 63) & 1 != 0
    }

    @inlinable
    public static func isWhitespace(_ byte: UInt8) -> Bool {
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
