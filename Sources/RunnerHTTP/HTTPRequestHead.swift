/// What the runner needs from a request's line and header fields. Fields it does not use are checked
/// for syntax and skipped.
public struct HTTPRequestHead: Equatable, Sendable {
    public var method: HTTPMethod = .other
    /// The path of an origin-form or absolute-form target, without its query; empty for an
    /// absolute-form target with no path (which means "/").
    public var path = ByteSlice.empty
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: UInt8 = 1
    /// Whether the connection stays open after the response (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    public var keepAlive = true
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    public var expectsContinue = false
    public var framing = BodyFraming.none
    /// The runner's own header fields (RunnerProtocol's `RunnerHeader`), when present.
    public var timeoutMilliseconds: ByteSlice?
    public var logTail: ByteSlice?
    public var invocationID: ByteSlice?
    /// Bytes from the request's start through the blank line that ends the head.
    public var length = 0

    public init() {}
}
