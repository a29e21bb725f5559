import RunnerHTTP

/// Reads one HTTP/1.1 answer from a runner's connection, strictly.
///
/// The bytes come from inside the container, and a function can take over its runner's connection and
/// write anything there. The runner itself always answers the same way: `HTTP/1.1`, a status that is
/// not 1xx, a `Content-Length`, never chunked. So this parser accepts that shape and nothing else, with
/// every size bounded, rather than everything HTTP allows: an answer it refuses is a broken runner.
struct RunnerResponseParser {
    /// The most a result may be; a longer answer is refused as soon as its head announces it.
    let maxBodyBytes: Int

    /// A head is a status line and a few fields; the largest the runner writes carries a 4 KiB log
    /// tail in base64, about 5.5 KiB.
    static let maxHeadBytes = 16 * 1024

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// What was read so far, once the head is whole.
    private var head: RunnerResponseHead?
    /// How far the search for the head's end got: a head that arrives a byte at a time is searched
    /// once, not once per byte.
    private var searchedHeadBytes = 0

    /// Looks at everything received so far on the connection. Nil until the answer is whole; then the
    /// answer, and how many bytes of `received` it took.
    mutating func parse(_ received: UnsafeRawBufferPointer) throws(RunnerResponseError) -> (RunnerHTTPResponse, consumed: Int)? {
        if head == nil {
            guard let end = Self.endOfHead(in: received, from: searchedHeadBytes) else {
                if received.count > Self.maxHeadBytes { throw .malformed("its head is longer than \(Self.maxHeadBytes) bytes") }
                searchedHeadBytes = received.count
                return nil
            }
            let parsed = try Self.parseHead(UnsafeRawBufferPointer(rebasing: received[0..<end]))
            if parsed.contentLength > maxBodyBytes { throw .tooLarge(maxBodyBytes) }
            head = parsed
        }
        guard let head else { return nil }
        let total = head.length + head.contentLength
        guard received.count >= total else { return nil }
        let body = [UInt8](UnsafeRawBufferPointer(rebasing: received[head.length..<total]))
        self.head = nil
        searchedHeadBytes = 0
        return (RunnerHTTPResponse(
                status: head.status, logTail: head.logTail, isFunctionError: head.isFunctionError, body: body, closesConnection: head.closesConnection), total)
    }

    /// How many bytes the whole answer takes, once its head is known: the buffer grows toward it.
    var bytesStillExpected: Int? {
        head.map { $0.length + $0.contentLength }
    }

    /// The offset just past the blank line that ends the head, if it has arrived. The first `searched`
    /// bytes were looked at before (the blank line may still end in the bytes that follow them).
    private static func endOfHead(in bytes: UnsafeRawBufferPointer, from searched: Int) -> Int? {
        let limit = min(bytes.count, maxHeadBytes)
        guard limit >= 4 else { return nil }
        var index = max(3, searched)
        while index < limit {
            // Looks at the last byte of a possible CR LF CR LF first: mostly it is not LF.
            if bytes[index] == 0x0A, bytes[index - 1] == 0x0D, bytes[index - 2] == 0x0A, bytes[index - 3] == 0x0D {
                return index + 1
            }
            index += 1
        }
        return nil
    }

    private static func parseHead(_ head: UnsafeRawBufferPointer) throws(RunnerResponseError) -> RunnerResponseHead {
        // "HTTP/1.1 200" then either CR LF or a space and a reason phrase.
        let prefix: [UInt8] = Array("HTTP/1.1 ".utf8)
        guard head.count >= prefix.count + 5, head.prefix(prefix.count).elementsEqual(prefix) else {
            throw .malformed("it does not start with an HTTP/1.1 status line")
        }
        var status = 0
        for offset in prefix.count..<(prefix.count + 3) {
            let digit = head[offset]
            guard digit >= 0x30, digit <= 0x39 else { throw .malformed("its status is not three digits") }
            status = status * 10 + Int(digit - 0x30)
        }
        guard (200...599).contains(status) else {
            throw .malformed("status \(status): only a final status is ever expected")
        }
        var result = RunnerResponseHead(status: status, length: head.count)
        var lineStart = prefix.count + 3
        var firstLine = true
        var contentLength: Int?
        // Each line ends with CR LF; the head ends with an empty one.
        while lineStart < head.count - 2 {
            guard let lineEnd = Self.endOfLine(in: head, from: lineStart) else { throw .malformed("a line does not end with CR LF") }
            let line = UnsafeRawBufferPointer(rebasing: head[lineStart..<lineEnd])
            lineStart = lineEnd + 2
            if firstLine {
                // The rest of the status line: empty, or a space and a reason without controls.
                firstLine = false
                guard line.isEmpty || (line[0] == 0x20 && line.dropFirst().allSatisfy(Self.isFieldValueByte)) else {
                    throw .malformed("its status line has a bad reason phrase")
                }
                continue
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > 0 else { throw .malformed("a field line has no name") }
            let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
            guard name.allSatisfy(ByteClass.isTokenCharacter) else { throw .malformed("a field name is not a token") }
            var valueStart = colon + 1
            var valueEnd = line.count
            while valueStart < valueEnd, ByteClass.isWhitespace(line[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, ByteClass.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
            let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
            guard value.allSatisfy(Self.isFieldValueByte) else { throw .malformed("a field value holds a byte that is not visible ASCII") }
            if Self.equalsIgnoringCase(name, "content-length") {
                guard let length = Self.decimal(value) else { throw .malformed("its Content-Length is not a number") }
                if let contentLength, contentLength != length { throw .malformed("it has two different Content-Lengths") }
                contentLength = length
            } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
                throw .malformed("it has a Transfer-Encoding, and a runner never chunks its answers")
            } else if Self.equalsIgnoringCase(name, "connection") {
                if Self.containsToken(value, "close") { result.closesConnection = true }
            } else if Self.equalsIgnoringCase(name, RunnerResponseHead.logTailField) {
                result.logTail = String(decoding: value, as: UTF8.self)
            } else if Self.equalsIgnoringCase(name, RunnerResponseHead.functionErrorField) {
                result.isFunctionError = true
            }
        }
        guard let contentLength else { throw .malformed("it has no Content-Length") }
        result.contentLength = contentLength
        return result
    }

    private static func endOfLine(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D { return bytes[index + 1] == 0x0A ? index : nil }
            if bytes[index] == 0x0A { return nil }
            index += 1
        }
        return nil
    }

    /// Up to 10 digits and nothing else: no sign, no spaces, no overflow.
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard (1...10).contains(bytes.count) else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Visible ASCII, space and tab; no other controls and nothing above 0x7E. Stricter than
    /// `ByteClass.isFieldValueCharacter`, which also takes obs-text: a runner never sends it.
    private static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte <= 0x7E)
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] | 0x20 {
            // `| 0x20` folds ASCII letters only; names are tokens, and the only non-letter that it
            // could confuse, '-' (0x2D) with '\r' (0x0D), is not a token byte.
            return false
        }
        return true
    }

    /// True when the comma-separated list `value` holds `token`, in any case.
    private static func containsToken(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        var start = 0
        while start <= value.count {
            let end = value[start...].firstIndex(of: 0x2C) ?? value.count
            var first = start
            var last = end
            while first < last, ByteClass.isWhitespace(value[first]) { first += 1 }
            while last > first, ByteClass.isWhitespace(value[last - 1]) { last -= 1 }
            if equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: value[first..<last]), token) { return true }
            start = end + 1
        }
        return false
    }
}

/// The parts of a runner's answer head that the host reads.
struct RunnerResponseHead {
    var status: Int
    /// Bytes of the head, blank line included.
    var length: Int
    var contentLength = 0
    var closesConnection = false
    /// The `X-Log-Tail` value as sent (base64), when there was one.
    var logTail: String?
    /// `X-Function-Error` was sent: the failure is the function's own, whatever its type's name.
    var isFunctionError = false

    static let logTailField: StaticString = "x-log-tail"
    static let functionErrorField: StaticString = "x-function-error"
}

/// A whole answer from a runner, not yet believed: its status and body are checked by the caller.
struct RunnerHTTPResponse: Sendable {
    var status: Int
    var logTail: String?
    /// `X-Function-Error` was sent (`RunnerResponseHead.isFunctionError`).
    var isFunctionError = false
    var body: [UInt8]
    /// The runner said `Connection: close`, or sent more than the answer: the connection is not
    /// used again.
    var closesConnection: Bool
}

/// Why an answer was refused.
enum RunnerResponseError: Error, Equatable, CustomStringConvertible {
    /// Not the shape a runner answers in.
    case malformed(String)
    /// Its head announced a body longer than the call allows.
    case tooLarge(Int)

    var description: String {
        switch self {
        case .malformed(let reason): "the runner's answer is not one a runner sends: \(reason)"
        case .tooLarge(let limit): "the answer is larger than \(limit) bytes"
        }
    }
}
