#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes a chunked body (RFC 9112 section 7.1) in place, as its bytes arrive.
///
/// Chunk data is moved down over the chunk framing as soon as it is seen, so the decoded body ends up
/// contiguous right after the head, and the raw bytes not yet decoded (at most a partial chunk-size
/// line or trailer line) are moved down behind it: however the body is split into chunks, the buffer
/// holds little more than the decoded body.
struct ChunkedBodyDecoder: Equatable {
    private enum Phase: Equatable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers(bytes: Int)
    }

    let bodyStart: Int
    /// The next raw byte to decode.
    private(set) var readPosition: Int
    /// The end of the decoded body.
    private(set) var writePosition: Int
    private var phase = Phase.size

    init(bodyStart: Int) {
        self.bodyStart = bodyStart
        readPosition = bodyStart
        writePosition = bodyStart
    }

    enum Progress: Equatable {
        case needMore
        /// The body is `bodyStart..<writePosition`; the request ends at `readPosition`.
        case complete
        case failed(HTTPRequestError)
    }

    /// Decodes what `base[0..<count]` holds past `readPosition`. Lowers `count` by the framing bytes
    /// it compacted away.
    mutating func decode(_ base: UnsafeMutableRawPointer, count: inout Int, limits: HTTPLimits) -> Progress {
        let bytes = RequestBytes(base: base, count: count)
        while true {
            switch phase {
            case .size:
                guard let lineEnd = bytes.crlf(from: readPosition, before: count) else {
                    guard count - readPosition <= limits.maxChunkLineBytes else {
                        return .failed(.malformed("a chunk-size line is longer than \(limits.maxChunkLineBytes) bytes"))
                    }
                    compact(base, count: &count)
                    return .needMore
                }
                guard lineEnd - readPosition <= limits.maxChunkLineBytes else {
                    return .failed(.malformed("a chunk-size line is longer than \(limits.maxChunkLineBytes) bytes"))
                }
                let size: Int
                switch Self.chunkSize(bytes, from: readPosition, to: lineEnd) {
                case .success(let value): size = value
                case .failure(let error): return .failed(error)
                }
                guard size <= limits.maxBodyBytes - (writePosition - bodyStart) else { return .failed(.bodyTooLarge) }
                readPosition = lineEnd + 2
                phase = size == 0 ? .trailers(bytes: 0) : .data(remaining: size)
            case .data(let remaining):
                let available = min(remaining, count - readPosition)
                if available > 0 {
                    if readPosition != writePosition {
                        memmove(base + writePosition, base + readPosition, available)
                    }
                    readPosition += available
                    writePosition += available
                }
                guard available == remaining else {
                    phase = .data(remaining: remaining - available)
                    compact(base, count: &count)
                    return .needMore
                }
                phase = .dataEnd
            case .dataEnd:
                guard count - readPosition >= 2 else {
                    compact(base, count: &count)
                    return .needMore
                }
                guard bytes[readPosition] == ByteClass.cr, bytes[readPosition + 1] == ByteClass.lf else {
                    return .failed(.malformed("chunk data must be followed by CR LF"))
                }
                readPosition += 2
                phase = .size
            case .trailers(let seen):
                guard let lineEnd = bytes.crlf(from: readPosition, before: count) else {
                    guard seen + count - readPosition <= limits.maxTrailerBytes else {
                        return .failed(.headTooLarge("the trailer section is larger than \(limits.maxTrailerBytes) bytes"))
                    }
                    compact(base, count: &count)
                    return .needMore
                }
                let length = lineEnd - readPosition
                if length == 0 {
                    readPosition = lineEnd + 2
                    return .complete
                }
                guard seen + length <= limits.maxTrailerBytes else {
                    return .failed(.headTooLarge("the trailer section is larger than \(limits.maxTrailerBytes) bytes"))
                }
                guard Self.isFieldLine(bytes, from: readPosition, to: lineEnd) else {
                    return .failed(.malformed("a trailer field must be name \":\" value"))
                }
                readPosition = lineEnd + 2
                phase = .trailers(bytes: seen + length + 2)
            }
        }
    }

    /// Moves the undecoded bytes down to the end of the decoded body.
    private mutating func compact(_ base: UnsafeMutableRawPointer, count: inout Int) {
        let gap = readPosition - writePosition
        guard gap > 0 else { return }
        let pending = count - readPosition
        if pending > 0 { memmove(base + writePosition, base + readPosition, pending) }
        readPosition = writePosition
        count -= gap
    }

    /// `chunk-size [ chunk-ext ]`: hex digits, then nothing or extensions after a ";".
    private static func chunkSize(_ bytes: RequestBytes, from start: Int, to end: Int) -> Result<Int, HTTPRequestError> {
        var index = start
        var size = 0
        while index < end, let digit = ByteClass.hexValue(bytes[index]) {
            guard size <= Int.max >> 4 else { return .failure(.bodyTooLarge) }
            size = size << 4 | Int(digit)
            index += 1
        }
        guard index > start else { return .failure(.malformed("a chunk must start with its size in hexadecimal")) }
        while index < end, ByteClass.isWhitespace(bytes[index]) { index += 1 }
        guard index == end || bytes[index] == 0x3B else {
            return .failure(.malformed("a chunk size must be followed by CR LF or \";\" and extensions"))
        }
        while index < end {
            guard ByteClass.isFieldValueCharacter(bytes[index]) else {
                return .failure(.malformed("a chunk extension holds a control character"))
            }
            index += 1
        }
        return .success(size)
    }

    private static func isFieldLine(_ bytes: RequestBytes, from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end, ByteClass.isTokenCharacter(bytes[index]) { index += 1 }
        guard index > start, index < end, bytes[index] == ByteClass.colon else { return false }
        return (index + 1..<end).allSatisfy { ByteClass.isFieldValueCharacter(bytes[$0]) }
    }
}
