/// Random (version 4) UUIDs in lower case, as invocation, instance and request ids.
///
/// Foundation's `UUID()` opens, reads and closes `/dev/urandom` on every call on Linux: four system
/// calls on every invocation's hot path. `SystemRandomNumberGenerator` is the kernel's `getrandom`.
public enum RandomUUID {
    public static func lowercased() -> String {
        var generator = SystemRandomNumberGenerator()
        // Version 4 in the high nibble of byte 6; variant 0b10 in the top bits of byte 8.
        let high = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { text in
            var at = 0
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 {
                    text[at] = UInt8(ascii: "-")
                    at += 1
                }
                let word = index < 16 ? high : low
                text[at] = Hex.digit(UInt8(truncatingIfNeeded: word >> (60 - 4 * UInt64(index % 16)) & 0xF))
                at += 1
            }
            return at
        }
    }
}
