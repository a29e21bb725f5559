/// A whole request: its head, where its (decoded) body is, and how many bytes of the stream it took.
public struct HTTPRequest: Equatable, Sendable {
    public var head: HTTPRequestHead
    public var body: ByteSlice
    /// Bytes to drop from the stream before the next request (the head, the encoded body, trailers).
    public var length: Int
}
