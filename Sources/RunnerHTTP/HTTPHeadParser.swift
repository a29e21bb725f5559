
/// Parses a request line and its header fields (RFC 9112 sections 3 and 5), strictly: CR LF line
/// ends only, no whitespace before a field's colon, no obsolete line folding, no control bytes, no
/// request that could be framed two ways.
struct HTTPHeadParser {
    let bytes: RequestBytes
    let limits: HTTPLimits

    /// Parses the head in `bytes[start..<end]`, where `end` is the offset of its closing CR LF CR LF.
    func parse(start: Int, end: Int) -> Result<HTTPRequestHead, HTTPRequestError> {
        var head = HTTPRequestHead()
        head.length = end + 4
        guard let lineEnd = bytes.crlf(from: start, before: end + 2) else {
            return .failure(.malformed("the request line does not end in CR LF"))
        }
        if let error = parseRequestLine(start: start, end: lineEnd, into: &head) { return .failure(error) }
        if let error = parseFields(start: lineEnd + 2, end: end + 2, into: &head) { return .failure(error) }
        return .success(head)
    }

    // MARK: - Request line

    private func parseRequestLine(start: Int, end: Int, into head: inout HTTPRequestHead) -> HTTPRequestError? {
        var index = start
        while index < end, ByteClass.isTokenCharacter(bytes[index]) { index += 1 }
        guard index > start, index < end, bytes[index] == ByteClass.space else {
            return .malformed("the request line must be METHOD SP target SP HTTP-version")
        }
        head.method = method(start: start, count: index - start)
        index += 1
        let targetStart = index
        while index < end, ByteClass.isTargetCharacter(bytes[index]) { index += 1 }
        guard index > targetStart, index < end, bytes[index] == ByteClass.space else {
            return .malformed("the request target must be one run of visible ASCII characters")
        }
        guard let path = path(start: targetStart, end: index) else {
            return .malformed("the request target must be a path (\"/...\") or an absolute http URI")
        }
        head.path = path
        index += 1
        guard end - index == 8, bytes.equals(index, 5, "HTTP/"), bytes[index + 6] == 0x2E else {
            return .malformed("the HTTP version must look like HTTP/1.1")
        }
        let major = bytes[index + 5]
        let minor = bytes[index + 7]
        guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else {
            return .malformed("the HTTP version must look like HTTP/1.1")
        }
        guard major == 0x31, minor <= 0x31 else { return .unsupportedVersion }
        head.minorVersion = minor - 0x30
        return nil
    }

    private func method(start: Int, count: Int) -> HTTPMethod {
        switch count {
        case 3 where bytes.equals(start, 3, "GET"): .get
        case 3 where bytes.equals(start, 3, "PUT"): .put
        case 4 where bytes.equals(start, 4, "POST"): .post
        case 4 where bytes.equals(start, 4, "HEAD"): .head
        case 5 where bytes.equals(start, 5, "PATCH"): .patch
        case 5 where bytes.equals(start, 5, "TRACE"): .trace
        case 6 where bytes.equals(start, 6, "DELETE"): .delete
        case 7 where bytes.equals(start, 7, "OPTIONS"): .options
        case 7 where bytes.equals(start, 7, "CONNECT"): .connect
        default: .other
        }
    }

    /// The path of an origin-form ("/p?q"), absolute-form ("http://host/p?q") or asterisk-form
    /// ("*") target, without the query; nil for anything else.
    private func path(start: Int, end: Int) -> ByteSlice? {
        var pathStart = start
        if bytes[start] == 0x2F || (end - start == 1 && bytes[start] == 0x2A) {
            pathStart = start
        } else if bytes.equalsIgnoringCase(start, min(7, end - start), "http://") {
            pathStart = start + 7
        } else if bytes.equalsIgnoringCase(start, min(8, end - start), "https://") {
            pathStart = start + 8
        } else {
            return nil
        }
        if pathStart != start {
            // Skip the authority: the path starts at the next "/" (none means "/").
            while pathStart < end, bytes[pathStart] != 0x2F, bytes[pathStart] != 0x3F { pathStart += 1 }
        }
        var pathEnd = pathStart
        while pathEnd < end, bytes[pathEnd] != 0x3F, bytes[pathEnd] != 0x23 { pathEnd += 1 }
        return ByteSlice(offset: pathStart, count: pathEnd - pathStart)
    }

    // MARK: - Header fields

    private func parseFields(start: Int, end: Int, into head: inout HTTPRequestHead) -> HTTPRequestError? {
        var fields = FieldSummary()
        var lineStart = start
        var count = 0
        while lineStart < end {
            guard let lineEnd = bytes.crlf(from: lineStart, before: end) else {
                return .malformed("a header field does not end in CR LF")
            }
            count += 1
            guard count <= limits.maxHeaderFields else {
                return .headTooLarge("the request has more than \(limits.maxHeaderFields) header fields")
            }
            if let error = parseField(start: lineStart, end: lineEnd, into: &fields, head: &head) { return error }
            lineStart = lineEnd + 2
        }
        return fields.apply(to: &head, limits: limits)
    }

    private func parseField(start: Int, end: Int, into fields: inout FieldSummary, head: inout HTTPRequestHead) -> HTTPRequestError? {
        if ByteClass.isWhitespace(bytes[start]) {
            return .malformed("obsolete line folding (a field line starting with whitespace) is not accepted")
        }
        var index = start
        while index < end, ByteClass.isTokenCharacter(bytes[index]) { index += 1 }
        guard index > start, index < end, bytes[index] == ByteClass.colon else {
            return index == start || index == end || !ByteClass.isWhitespace(bytes[index])
                ? .malformed("a header field must be name \":\" value, with a token for a name")
                : .malformed("no whitespace is allowed between a header field's name and its colon")
        }
        let nameStart = start
        let nameCount = index - start
        index += 1
        while index < end, ByteClass.isWhitespace(bytes[index]) { index += 1 }
        var valueEnd = end
        while valueEnd > index, ByteClass.isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
        for offset in index..<valueEnd where !ByteClass.isFieldValueCharacter(bytes[offset]) {
            return .malformed("the value of a header field holds a control character")
        }
        let value = ByteSlice(offset: index, count: valueEnd - index)
        return fields.record(name: nameStart, nameCount, value: value, bytes: bytes, head: &head)
    }
}
