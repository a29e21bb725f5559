/// Bounds-checked little-endian reads from a byte array: every offset in a zip comes from the zip
/// itself, so none is trusted to be in range.
struct LittleEndianReader {
    let bytes: [UInt8]

    func u16(_ offset: Int) throws(PackageError) -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) throws(PackageError) -> UInt32 {
        try check(offset, 4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    func u64(_ offset: Int) throws(PackageError) -> UInt64 {
        try check(offset, 8)
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    func slice(_ offset: Int, _ count: Int) throws(PackageError) -> ArraySlice<UInt8> {
        try check(offset, count)
        return bytes[offset..<offset + count]
    }

    /// `u64` as an `Int` offset or size, refusing what does not fit this machine's zip of at most
    /// `PackageLimits.maxPackedBytes`.
    func offset64(_ offset: Int) throws(PackageError) -> Int {
        let value = try u64(offset)
        guard value <= UInt64(Int32.max) else { throw .corruptZip(reason: "a zip64 offset or size is out of range") }
        return Int(value)
    }

    private func check(_ offset: Int, _ count: Int) throws(PackageError) {
        guard offset >= 0, count >= 0, offset <= bytes.count - count else {
            throw .corruptZip(reason: "a record points outside the file (truncated or damaged)")
        }
    }
}
