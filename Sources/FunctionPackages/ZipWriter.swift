/// Writes a deterministic zip: entries sorted by path bytes, no directory entries, one fixed
/// timestamp (1980-01-01), mode 0644, UTF-8 names, deflate unless storing is smaller. The same files
/// give the same bytes (with the same zlib), whatever order a directory walk found them in.
struct ZipWriter {
    private struct Pending {
        let path: PackagePath
        let method: UInt16
        let crc32: UInt32
        let size: Int
        let data: [UInt8]
    }

    private var pending: [Pending] = []
    /// Compressed bytes so far, so that callers can stop before building an oversized zip.
    private(set) var compressedBytes = 0

    /// Compresses `contents` now; only the compressed bytes are kept.
    mutating func add(_ path: PackagePath, contents: [UInt8]) {
        let crc = contents.withUnsafeBytes { Zlib.crc32(0, $0) }
        let deflated = Zlib.deflate(contents)
        let useDeflate = deflated.map { $0.count < contents.count } ?? false
        let data = useDeflate ? deflated! : contents
        pending.append(Pending(path: path, method: useDeflate ? ZipEntry.deflated : ZipEntry.stored, crc32: crc, size: contents.count, data: data))
        compressedBytes += data.count + 76 + 2 * path.bytes.count
    }

    /// The zip. This writer has no zip64, so it refuses more than 65535 entries or 4 GiB, which
    /// the default limits are far below.
    func finish() throws(PackageError) -> [UInt8] {
        guard pending.count <= Int(UInt16.max) else {
            throw .fileCountExceeded(count: pending.count, limit: Int(UInt16.max))
        }
        guard compressedBytes < Int(UInt32.max), pending.allSatisfy({ $0.size < Int(UInt32.max) }) else {
            throw .packedSizeExceeded(bytes: compressedBytes, limit: Int(UInt32.max))
        }
        var output: [UInt8] = []
        output.reserveCapacity(compressedBytes + 22)
        var central: [UInt8] = []
        for entry in pending.sorted(by: { $0.path < $1.path }) {
            let name = entry.path.bytes
            let offset = output.count
            output.append(le32: 0x0403_4b50)
            output.append(le16: 20)  // version needed: 2.0
            output.append(le16: 0x0800)  // UTF-8 names
            output.append(le16: entry.method)
            output.append(le16: 0)  // 00:00:00
            output.append(le16: 0x0021)  // 1980-01-01
            output.append(le32: entry.crc32)
            output.append(le32: UInt32(entry.data.count))
            output.append(le32: UInt32(entry.size))
            output.append(le16: UInt16(name.count))
            output.append(le16: 0)
            output += name
            output += entry.data

            central.append(le32: 0x0201_4b50)
            central.append(le16: 3 << 8 | 20)  // made by Unix, 2.0
            central.append(le16: 20)
            central.append(le16: 0x0800)
            central.append(le16: entry.method)
            central.append(le16: 0)
            central.append(le16: 0x0021)
            central.append(le32: entry.crc32)
            central.append(le32: UInt32(entry.data.count))
            central.append(le32: UInt32(entry.size))
            central.append(le16: UInt16(name.count))
            central.append(le16: 0)  // extra
            central.append(le16: 0)  // comment
            central.append(le16: 0)  // disk
            central.append(le16: 0)  // internal attributes
            central.append(le32: UInt32(0o100644) << 16)
            central.append(le32: UInt32(offset))
            central += name
        }
        let directoryOffset = output.count
        output += central
        output.append(le32: 0x0605_4b50)
        output.append(le16: 0)
        output.append(le16: 0)
        output.append(le16: UInt16(pending.count))
        output.append(le16: UInt16(pending.count))
        output.append(le32: UInt32(central.count))
        output.append(le32: UInt32(directoryOffset))
        output.append(le16: 0)
        return output
    }
}

extension [UInt8] {
    mutating func append(le16 value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
