/// The header fields that decide how a request is framed and answered, gathered while its head is
/// parsed, then checked together (a request that could be framed two ways is refused).
struct FieldSummary {
    private var contentLength: Int?
    private var transferEncodings = 0
    private var chunked = false
    private var hosts = 0
    private var closeRequested = false
    private var keepAliveRequested = false
    private var expectsContinue = false

    mutating func record(name: Int, _ nameCount: Int, value: ByteSlice, bytes: RequestBytes, head: inout HTTPRequestHead) -> HTTPRequestError? {
        // Dispatch on length first: most fields (User-Agent, Accept, ...) match nothing and cost one
        // comparison of integers.
        switch nameCount {
        case 4 where bytes.equalsIgnoringCase(name, nameCount, "host"):
            hosts += 1
            if hosts > 1 { return .malformed("more than one Host field") }
        case 6 where bytes.equalsIgnoringCase(name, nameCount, "expect"):
            guard bytes.equalsIgnoringCase(value.offset, value.count, "100-continue") else {
                return .unsupportedExpectation(bytes.string(value.offset, value.count))
            }
            expectsContinue = true
        case 10 where bytes.equalsIgnoringCase(name, nameCount, "connection"):
            recordConnectionOptions(value, bytes: bytes)
        case 10 where bytes.equalsIgnoringCase(name, nameCount, "x-log-tail"):
            guard head.logTail == nil else { return .malformed("more than one X-Log-Tail field") }
            head.logTail = value
        case 12 where bytes.equalsIgnoringCase(name, nameCount, "x-timeout-ms"):
            guard head.timeoutMilliseconds == nil else { return .malformed("more than one X-Timeout-Ms field") }
            head.timeoutMilliseconds = value
        case 14 where bytes.equalsIgnoringCase(name, nameCount, "content-length"):
            guard let length = Self.decimal(value, bytes: bytes) else {
                return .malformed("Content-Length must be a decimal number of bytes")
            }
            if let contentLength, contentLength != length {
                return .malformed("two Content-Length fields disagree")
            }
            contentLength = length
        case 15 where bytes.equalsIgnoringCase(name, nameCount, "x-invocation-id"):
            guard head.invocationID == nil else { return .malformed("more than one X-Invocation-Id field") }
            head.invocationID = value
        case 17 where bytes.equalsIgnoringCase(name, nameCount, "transfer-encoding"):
            transferEncodings += 1
            guard bytes.equalsIgnoringCase(value.offset, value.count, "chunked") else {
                return .unsupportedTransferCoding(bytes.string(value.offset, value.count))
            }
            chunked = true
        default:
            break
        }
        return nil
    }

    /// Checks the fields together and sets the head's framing and persistence.
    func apply(to head: inout HTTPRequestHead, limits: HTTPLimits) -> HTTPRequestError? {
        if transferEncodings > 0 {
            guard contentLength == nil else { return .malformed("a request must not have both Content-Length and Transfer-Encoding") }
            guard transferEncodings == 1 else { return .malformed("chunked is applied more than once") }
            guard head.minorVersion == 1 else { return .malformed("HTTP/1.0 has no Transfer-Encoding") }
        }
        if chunked {
            head.framing = .chunked
        } else if let contentLength {
            guard contentLength <= limits.maxBodyBytes else { return .bodyTooLarge }
            head.framing = contentLength == 0 ? .none : .length(contentLength)
        }
        head.keepAlive = head.minorVersion == 1 ? !closeRequested : keepAliveRequested && !closeRequested
        // An HTTP/1.0 client cannot understand 100 Continue (RFC 9110 section 10.1.1).
        head.expectsContinue = expectsContinue && head.minorVersion == 1
        return nil
    }

    /// `Connection` is a comma-separated list of options; only close and keep-alive matter here.
    private mutating func recordConnectionOptions(_ value: ByteSlice, bytes: RequestBytes) {
        var index = value.offset
        let end = value.offset + value.count
        while index < end {
            while index < end, bytes[index] == 0x2C || ByteClass.isWhitespace(bytes[index]) { index += 1 }
            let start = index
            while index < end, bytes[index] != 0x2C, !ByteClass.isWhitespace(bytes[index]) { index += 1 }
            if bytes.equalsIgnoringCase(start, index - start, "close") { closeRequested = true }
            if bytes.equalsIgnoringCase(start, index - start, "keep-alive") { keepAliveRequested = true }
        }
    }

    /// 1 to 18 decimal digits, nothing else (no sign, no list): larger cannot be a body we accept.
    private static func decimal(_ value: ByteSlice, bytes: RequestBytes) -> Int? {
        guard value.count > 0, value.count <= 18 else { return nil }
        var result = 0
        for offset in value.offset..<(value.offset + value.count) {
            let byte = bytes[offset]
            guard (0x30...0x39).contains(byte) else { return nil }
            result = result * 10 + Int(byte - 0x30)
        }
        return result
    }
}
