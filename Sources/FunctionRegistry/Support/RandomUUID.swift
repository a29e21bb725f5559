#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// UUIDs in lower case, as invocation, instance and request ids: random (version 4), or time-ordered
/// (version 7) where they key a table that grows with every call.
///
/// Foundation's `UUID()` opens, reads and closes `/dev/urandom` on every call on Linux: four system
/// calls on every invocation's hot path. `PooledRandom` is the kernel's `getrandom`, a read per 32 ids.
public enum RandomUUID {
    /// Version 4: 122 random bits.
    public static func lowercased() -> String {
        var generator = PooledRandom()
        // Version 4 in the high nibble of byte 6; variant 0b10 in the top bits of byte 8.
        let high = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return text(high: high, low: low)
    }

    /// Version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits.
    ///
    /// Why: invocation ids are the registry's unique index, and every call adds one. Random ids land
    /// on a random page of that index each, so a batch of records dirtied about one page per record
    /// (a 4 KiB WAL frame in SQLite). Ids that grow with time land on the last page or two.
    public static func timeOrdered(now: Date = Date()) -> String {
        var generator = PooledRandom()
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        // 48 bits of time, version 7, 12 random bits; variant 0b10, 62 random bits.
        let high = milliseconds << 16 | 0x7000 | (generator.next() as UInt64) & 0x0FFF
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return text(high: high, low: low)
    }

    /// 8-4-4-4-12 lower-case hex digits of the 128 bits `high` then `low`.
    private static func text(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { text in
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
