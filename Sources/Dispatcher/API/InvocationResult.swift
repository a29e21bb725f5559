/// What `entrypoint(data)` returned, as the JSON bytes the runner sent (not re-encoded, so numbers and
/// key order are exactly Python's).
public struct InvocationResult: Sendable, Hashable {
    public var json: [UInt8]
    /// The invocation's last 4 KiB of stdout/stderr, when asked for with `logTail: true`.
    public var logTail: String?
    /// True when the call was the first its runner served (a container start or a warm-pool `/load`
    /// came first).
    public var coldStart = false

    public var jsonString: String { String(decoding: json, as: UTF8.self) }
}
