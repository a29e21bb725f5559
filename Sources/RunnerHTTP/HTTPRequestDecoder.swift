/// Turns the bytes of one connection into requests, one at a time, as they arrive.
///
/// The caller keeps the bytes; the decoder keeps only where it is. Call `decode` with everything the
/// connection has received from the start of the current request on (more each time, in one buffer);
/// it answers `needMore`, a complete request (whose head and body are positions in that buffer), or
/// why the stream is not HTTP/1.1 the runner accepts. After a request, the caller drops its `length`
/// bytes and decodes on from there; after a failure it answers and closes the connection.
public struct HTTPRequestDecoder: Sendable {
    public let limits: HTTPLimits

    private enum State: Equatable {
        /// Looking for the end of the head; the bytes before `scanned` hold no blank line.
        case head(scanned: Int)
        case body(HTTPRequestHead, length: Int)
        case chunked(HTTPRequestHead, ChunkedBodyDecoder)
    }

    private var state = State.head(scanned: 0)

    public init(limits: HTTPLimits) {
        self.limits = limits
    }

    public enum Progress: Equatable, Sendable {
        case needMore
        case complete(HTTPRequest)
        case failed(HTTPRequestError)
    }

    /// The head of the request being received, once it is parsed and while its body is incomplete:
    /// what a `100 Continue` decision needs.
    public var pendingHead: HTTPRequestHead? {
        switch state {
        case .head: nil
        case .body(let head, _), .chunked(let head, _): head
        }
    }

    /// Whether nothing of a request has been seen yet: the connection is between requests.
    public var isIdle: Bool { state == .head(scanned: 0) }

    /// Decodes `base[0..<count]`, the bytes from the current request's first one. `count` may drop
    /// (a chunked body is decoded in place). On `complete`, the decoder is ready for the next request.
    public mutating func decode(_ base: UnsafeMutableRawPointer, count: inout Int) -> Progress {
        switch state {
        case .head(let scanned):
            return decodeHead(base, count: &count, scanned: scanned)
        case .body(let head, let length):
            return finishBody(head: head, length: length, count: count)
        case .chunked(let head, var decoder):
            return decodeChunks(head: head, decoder: &decoder, base, count: &count)
        }
    }

    /// Forgets any partial request.
    public mutating func reset() {
        state = .head(scanned: 0)
    }

    private mutating func decodeHead(_ base: UnsafeMutableRawPointer, count: inout Int, scanned: Int) -> Progress {
        let bytes = RequestBytes(base: base, count: count)
        // RFC 9112 section 2.2: a server SHOULD ignore empty lines before a request line.
        var start = 0
        while start + 1 < count, bytes[start] == ByteClass.cr, bytes[start + 1] == ByteClass.lf { start += 2 }
        let end: Int
        switch bytes.headEnd(from: max(start, scanned)) {
        case .bareLineFeed:
            return .failed(.malformed("lines must end in CR LF"))
        case .found(let offset) where offset >= start:
            end = offset
        case .found, .notYet:
            guard count <= limits.maxHeadBytes else {
                return .failed(.headTooLarge("the request line and header fields are larger than \(limits.maxHeadBytes) bytes"))
            }
            state = .head(scanned: count)
            return .needMore
        }
        guard end + 4 <= limits.maxHeadBytes else {
            return .failed(.headTooLarge("the request line and header fields are larger than \(limits.maxHeadBytes) bytes"))
        }
        switch HTTPHeadParser(bytes: bytes, limits: limits).parse(start: start, end: end) {
        case .failure(let error):
            return .failed(error)
        case .success(let head):
            switch head.framing {
            case .none:
                state = .head(scanned: 0)
                return .complete(HTTPRequest(head: head, body: ByteSlice(offset: head.length, count: 0), length: head.length))
            case .length(let length):
                state = .body(head, length: length)
                return finishBody(head: head, length: length, count: count)
            case .chunked:
                var decoder = ChunkedBodyDecoder(bodyStart: head.length)
                return decodeChunks(head: head, decoder: &decoder, base, count: &count)
            }
        }
    }

    private mutating func finishBody(head: HTTPRequestHead, length: Int, count: Int) -> Progress {
        guard count - head.length >= length else { return .needMore }
        state = .head(scanned: 0)
        return .complete(HTTPRequest(head: head, body: ByteSlice(offset: head.length, count: length), length: head.length + length))
    }

    private mutating func decodeChunks(head: HTTPRequestHead, decoder: inout ChunkedBodyDecoder, _ base: UnsafeMutableRawPointer, count: inout Int) -> Progress {
        switch decoder.decode(base, count: &count, limits: limits) {
        case .needMore:
            state = .chunked(head, decoder)
            return .needMore
        case .failed(let error):
            return .failed(error)
        case .complete:
            state = .head(scanned: 0)
            let body = ByteSlice(offset: decoder.bodyStart, count: decoder.writePosition - decoder.bodyStart)
            return .complete(HTTPRequest(head: head, body: body, length: decoder.readPosition))
        }
    }
}
