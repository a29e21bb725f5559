/// How much of a request the runner reads before it refuses it.
///
/// A runner is called by its dispatcher, not by browsers: the limits are generous for that caller and
/// small enough that a hostile or broken client cannot make it hold much memory.
public struct HTTPLimits: Sendable, Equatable {
    /// The request line and header fields together; past it the answer is 431.
    public var maxHeadBytes = 32 * 1024
    /// Header fields in one request; past it the answer is 431.
    public var maxHeaderFields = 100
    /// The body, after chunked decoding; past it the answer is 413. AWS Lambda's synchronous limit.
    public var maxBodyBytes = 6 << 20
    /// One chunk-size line with its extensions.
    public var maxChunkLineBytes = 1024
    /// The trailer section of a chunked body.
    public var maxTrailerBytes = 8 * 1024

    public init() {}

    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }
}
