/// A zip held in memory, read strictly: the central directory is the truth, and every local header,
/// name, size and checksum is checked against it. Stored and deflated entries only; zip64 records
/// are understood. Nothing here trusts a size from the file: entries are inflated against a budget.
struct ZipArchive: Sendable {
    let bytes: [UInt8]
    /// In central-directory order.
    let entries: [ZipEntry]

    private static let localHeaderSignature: UInt32 = 0x0403_4b50
    private static let centralHeaderSignature: UInt32 = 0x0201_4b50
    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50

    /// True when `bytes` starts like a zip (a local header, or the end record of an empty zip).
    static func looksLikeZip(_ prefix: some Collection<UInt8>) -> Bool {
        let head = Array(prefix.prefix(4))
        return head == [0x50, 0x4b, 0x03, 0x04] || head == [0x50, 0x4b, 0x05, 0x06]
    }

    init(bytes: [UInt8], limits: PackageLimits) throws(PackageError) {
        guard bytes.count <= limits.maxPackedBytes else {
            throw .packedSizeExceeded(bytes: bytes.count, limit: limits.maxPackedBytes)
        }
        self.bytes = bytes
        let reader = LittleEndianReader(bytes: bytes)
        let directory = try Self.centralDirectory(reader)
        guard directory.count <= limits.maxFileCount else {
            throw .fileCountExceeded(count: directory.count, limit: limits.maxFileCount)
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(directory.count)
        var cursor = directory.offset
        for _ in 0..<directory.count {
            let (entry, next) = try Self.centralEntry(reader, at: cursor, directoryOffset: directory.offset)
            entries.append(entry)
            cursor = next
        }
        guard cursor <= directory.offset + directory.size else {
            throw .corruptZip(reason: "the central directory is longer than its end record says")
        }
        try Self.checkNoOverlap(entries)
        self.entries = entries
    }

    /// Where the central directory is and how many entries it has, from the end record (and the
    /// zip64 end record when the classic one is saturated).
    private static func centralDirectory(_ reader: LittleEndianReader) throws(PackageError) -> (offset: Int, size: Int, count: Int) {
        let bytes = reader.bytes
        guard bytes.count >= 22 else { throw .corruptZip(reason: "the file is too short to be a zip") }
        // The end record is the last 22 bytes plus a comment of up to 65535 bytes; the one whose
        // comment length reaches exactly the end of the file is the real one.
        var end: Int?
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while position >= lowest {
            if try reader.u32(position) == endSignature, try Int(reader.u16(position + 20)) == bytes.count - position - 22 {
                end = position
                break
            }
            position -= 1
        }
        guard let end else {
            throw .corruptZip(reason: "no end-of-central-directory record (not a zip, or data follows its end)")
        }
        let disk = try reader.u16(end + 4), directoryDisk = try reader.u16(end + 6)
        var countOnDisk = Int(try reader.u16(end + 8)), count = Int(try reader.u16(end + 10))
        var size = Int(try reader.u32(end + 12)), offset = Int(try reader.u32(end + 16))
        var limit = end
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, try reader.u32(locator) == zip64LocatorSignature else {
                throw .corruptZip(reason: "the end record is saturated but there is no zip64 locator")
            }
            let record = try reader.offset64(locator + 8)
            guard record <= locator - 56, try reader.u32(record) == zip64EndSignature else {
                throw .corruptZip(reason: "the zip64 locator does not point at a zip64 end record")
            }
            guard try reader.u32(record + 16) == 0, try reader.u32(record + 20) == 0 else {
                throw .corruptZip(reason: "multi-volume zips are not supported")
            }
            countOnDisk = try reader.offset64(record + 24)
            count = try reader.offset64(record + 32)
            size = try reader.offset64(record + 40)
            offset = try reader.offset64(record + 48)
            limit = record
        } else if disk != 0 || directoryDisk != 0 {
            throw .corruptZip(reason: "multi-volume zips are not supported")
        }
        guard countOnDisk == count else { throw .corruptZip(reason: "multi-volume zips are not supported") }
        guard offset <= limit, size <= limit - offset else {
            throw .corruptZip(reason: "the central directory lies outside the file")
        }
        guard count <= size / 46 || count == 0 else {
            throw .corruptZip(reason: "the end record claims more entries than the central directory can hold")
        }
        return (offset, size, count)
    }

    private static func centralEntry(
        _ reader: LittleEndianReader, at start: Int, directoryOffset: Int
    ) throws(PackageError) -> (ZipEntry, next: Int) {
        guard try reader.u32(start) == centralHeaderSignature else {
            throw .corruptZip(reason: "a central directory entry has a bad signature")
        }
        let madeBy = try reader.u16(start + 4)
        let flags = try reader.u16(start + 8)
        let method = try reader.u16(start + 10)
        let crc = try reader.u32(start + 16)
        var compressed = UInt64(try reader.u32(start + 20))
        var uncompressed = UInt64(try reader.u32(start + 24))
        let nameLength = Int(try reader.u16(start + 28))
        let extraLength = Int(try reader.u16(start + 30))
        let commentLength = Int(try reader.u16(start + 32))
        let external = try reader.u32(start + 38)
        var localOffset = UInt64(try reader.u32(start + 42))
        let rawName = Array(try reader.slice(start + 46, nameLength))
        let extra = try reader.slice(start + 46 + nameLength, extraLength)
        let next = start + 46 + nameLength + extraLength + commentLength
        let name = String(decoding: rawName, as: UTF8.self)

        // Zip64: the saturated fields follow in the 0x0001 extra field, in this order.
        if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
            let fields = LittleEndianReader(bytes: Array(extra))
            var cursor = 0
            var zip64: Int?
            while cursor + 4 <= fields.bytes.count {
                let id = try fields.u16(cursor), length = Int(try fields.u16(cursor + 2))
                if id == 0x0001 { zip64 = cursor + 4; break }
                cursor += 4 + length
            }
            guard var field = zip64 else { throw .corruptZip(reason: "\(PackageError.quoted(name)) has saturated sizes but no zip64 field") }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try fields.u64(field); field += 8 }
            if compressed == 0xFFFF_FFFF { compressed = try fields.u64(field); field += 8 }
            if localOffset == 0xFFFF_FFFF { localOffset = try fields.u64(field) }
        }

        if flags & 0x0001 != 0 || flags & 0x0040 != 0 || flags & 0x2000 != 0 {
            throw .unsupportedEntry(path: name, reason: "encrypted entries are not supported")
        }
        guard method == ZipEntry.stored || method == ZipEntry.deflated else {
            throw .unsupportedEntry(
                path: name, reason: "compression method \(method)\(Self.methodName(method)) is not supported; only stored and deflate are")
        }
        var isDirectory = rawName.last == UInt8(ascii: "/")
        let host = madeBy >> 8
        if host == 3 || host == 19 {  // Unix, OS X: st_mode in the high half
            switch (external >> 16) & 0o170000 {
            case 0o120000: throw .symlink(path: name)
            case 0o040000: isDirectory = true
            case 0o100000, 0: break
            default: throw .unsupportedEntry(path: name, reason: "devices, FIFOs and sockets are not allowed in a package")
            }
        } else if external & 0x10 != 0 {  // MS-DOS directory attribute
            isDirectory = true
        }
        let path = try PackagePath(zipName: rawName)
        if path.components.isEmpty && !isDirectory {
            throw .unsafePath(path: name, reason: "a file needs a name")
        }
        guard compressed <= UInt64(reader.bytes.count), uncompressed <= UInt64(Int64.max), localOffset < UInt64(directoryOffset) else {
            throw .corruptZip(reason: "\(PackageError.quoted(name)) has sizes or an offset outside the file")
        }
        if isDirectory && uncompressed != 0 {
            throw .corruptZip(reason: "the directory entry \(PackageError.quoted(name)) has contents")
        }
        if method == ZipEntry.stored && compressed != uncompressed {
            throw .corruptZip(reason: "the stored entry \(PackageError.quoted(name)) has different packed and unpacked sizes")
        }

        // The local header must agree with the central one: a zip whose two views differ is how
        // scanners are fooled into checking one file while another gets extracted.
        let local = Int(localOffset)
        guard try reader.u32(local) == localHeaderSignature else {
            throw .corruptZip(reason: "the local header of \(PackageError.quoted(name)) is missing")
        }
        guard try reader.u16(local + 8) == method else {
            throw .corruptZip(reason: "the local and central headers of \(PackageError.quoted(name)) disagree on the compression method")
        }
        let localNameLength = Int(try reader.u16(local + 26)), localExtraLength = Int(try reader.u16(local + 28))
        guard Array(try reader.slice(local + 30, localNameLength)) == rawName else {
            throw .corruptZip(reason: "the local and central headers of \(PackageError.quoted(name)) disagree on its name")
        }
        let dataOffset = local + 30 + localNameLength + localExtraLength
        guard dataOffset <= directoryOffset, Int(compressed) <= directoryOffset - dataOffset else {
            throw .corruptZip(reason: "the data of \(PackageError.quoted(name)) runs into the central directory")
        }
        let entry = ZipEntry(
            path: path, name: name, isDirectory: isDirectory, method: method, crc32: crc,
            compressedSize: Int(compressed), uncompressedSize: Int64(uncompressed),
            localHeaderOffset: local, dataOffset: dataOffset)
        return (entry, next)
    }

    /// Entries whose data overlap are refused: sharing one compressed stream between many entries
    /// is how the densest zip bombs work, and no honest zip does it.
    private static func checkNoOverlap(_ entries: [ZipEntry]) throws(PackageError) {
        let ordered = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where next.localHeaderOffset < previous.dataOffset + previous.compressedSize {
            throw .corruptZip(reason: "the entries \(PackageError.quoted(previous.name)) and \(PackageError.quoted(next.name)) overlap")
        }
    }

    private static func methodName(_ method: UInt16) -> String {
        switch method {
        case 9: " (deflate64)"
        case 12: " (bzip2)"
        case 14: " (LZMA)"
        case 93: " (zstd)"
        case 95: " (xz)"
        case 99: " (AES encryption)"
        default: ""
        }
    }

    /// Streams the contents of `entry` to `consume` and checks its size and CRC. `budget` is what
    /// may still be unpacked in all; it shrinks by what this entry produced.
    func read(
        _ entry: ZipEntry, budget: inout Int64, limit: Int64,
        consume: (UnsafeRawBufferPointer) throws(PackageError) -> Void
    ) throws(PackageError) {
        let used = limit - budget
        guard entry.uncompressedSize <= budget else {
            let (total, overflow) = used.addingReportingOverflow(entry.uncompressedSize)
            throw .unpackedSizeExceeded(bytes: overflow ? .max : total, limit: limit)
        }
        // withUnsafeBytes does not carry a typed error, so the closure hands back a Result.
        let outcome = bytes.withUnsafeBytes { (all) -> Result<(Int64, UInt32), PackageError> in
            let data = UnsafeRawBufferPointer(rebasing: all[entry.dataOffset..<entry.dataOffset + entry.compressedSize])
            do throws(PackageError) {
                if entry.method == ZipEntry.stored {
                    try consume(data)
                    return .success((Int64(data.count), Zlib.crc32(0, data)))
                }
                switch try Zlib.inflate(data, maxOutput: entry.uncompressedSize, consume: consume) {
                case .success(let result): return .success(result)
                case .failure(.tooLarge):
                    return .failure(.corruptZip(
                        reason: "\(PackageError.quoted(entry.name)) inflates to more than the \(entry.uncompressedSize) bytes its header declares (a zip bomb?)"))
                case .failure(.corrupt(let reason)):
                    return .failure(.corruptZip(reason: "\(PackageError.quoted(entry.name)): \(reason)"))
                }
            } catch {
                return .failure(error)
            }
        }
        let (produced, crc) = try outcome.get()
        guard produced == entry.uncompressedSize else {
            throw .corruptZip(reason: "\(PackageError.quoted(entry.name)) inflates to \(produced) bytes, not the \(entry.uncompressedSize) its header declares")
        }
        guard crc == entry.crc32 else {
            throw .corruptZip(reason: "\(PackageError.quoted(entry.name)) fails its CRC-32 check")
        }
        budget -= produced
    }
}
