import CZlib

/// The three things zips need from the system zlib: raw deflate, raw inflate in bounded chunks,
/// and CRC-32.
enum Zlib {
    static func crc32(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return crc }
        return UInt32(CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(buffer.count)))
    }

    /// Raw deflate (no zlib header) at a fixed level, so that the same zlib gives the same bytes.
    static func deflate(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        let status = input.withUnsafeBytes { inputBytes in
            output.withUnsafeMutableBytes { outputBytes in
                stream.next_in = UnsafeMutablePointer(mutating: inputBytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inputBytes.count)
                stream.next_out = outputBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outputBytes.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    enum InflateFailure: Error {
        /// More output than `maxOutput`: the entry is bigger than it claimed, or than the budget.
        case tooLarge(produced: Int64)
        case corrupt(String)
    }

    /// Inflates raw deflate data, handing each chunk to `consume`, and stops as soon as the output
    /// passes `maxOutput`, so a zip bomb costs at most that much work and no more memory than one
    /// chunk. Returns the bytes produced and their CRC-32.
    static func inflate(
        _ input: UnsafeRawBufferPointer, maxOutput: Int64,
        consume: (UnsafeRawBufferPointer) throws(PackageError) -> Void
    ) throws(PackageError) -> Result<(produced: Int64, crc: UInt32), InflateFailure> {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .failure(.corrupt("zlib could not start"))
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        var produced: Int64 = 0
        var crc: UInt32 = 0
        while true {
            stream.next_out = chunk.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(chunk.count)
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            let count = chunk.count - Int(stream.avail_out)
            produced += Int64(count)
            if produced > maxOutput { return .failure(.tooLarge(produced: produced)) }
            if count > 0 {
                let piece = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
                crc = crc32(crc, piece)
                try consume(piece)
            }
            switch status {
            case Z_STREAM_END: return .success((produced, crc))
            case Z_OK: continue
            // With fresh room for output, "no progress possible" means the input ran out.
            case Z_BUF_ERROR: return .failure(.corrupt("the compressed data ends too early"))
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                return .failure(.corrupt("the compressed data is damaged (\(message))"))
            }
        }
    }
}
