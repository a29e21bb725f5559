import NIOHTTP1

/// Requests read on a connection whose answer has not ended yet (HTTP/1.1 lets a client send the
/// next before the last is answered): what a handler in front of the codec must know before it
/// writes anything of its own, which would otherwise land inside, or take the place of, an answer.
struct UnansweredRequests {
    private(set) var count = 0

    /// A part read from the client.
    mutating func read(_ part: HTTPServerRequestPart) {
        if case .head = part { count += 1 }
    }

    /// A part of an answer written to the client.
    mutating func wrote(_ part: HTTPServerResponsePart) {
        if case .end = part { count = max(0, count - 1) }
    }
}
