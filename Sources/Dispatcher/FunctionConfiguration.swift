/// Limits and isolation of one function's containers. Every default is the hardened choice; loosening
/// one (say, `allowNetwork`) is a per-function decision, so it lives here rather than on the dispatcher.
public struct FunctionConfiguration: Sendable, Hashable {
    /// Deadline of one invocation. Past it the runner interrupts the call and the dispatcher replaces
    /// the container, since the interrupted module may be left half-updated. From 1 ms to a day
    /// (`maxTimeout`, the runner's own limit); values outside are clamped to that range.
    public var timeout: Duration = .seconds(60)

    /// The longest deadline a runner accepts (`X-Timeout-Ms` up to 86 400 000).
    public static let maxTimeout: Duration = .seconds(86_400)
    /// Memory limit; swap is set to the same value, so there is no swap on top of it.
    public var memoryBytes: Int64 = 256 << 20
    public var cpus: Double = 1
    public var pidsLimit: Int64 = 256
    public var openFilesLimit: Int64 = 1024
    /// False (the default) gives the container no network interface but loopback.
    public var allowNetwork = false
    public var readOnlyRootFilesystem = true
    /// Size of the writable tmpfs at `/tmp` (the only writable place when the root is read-only).
    public var tmpfsBytes: Int64 = 64 << 20
    /// `uid:gid` inside the container; the image's `nobody` by default.
    public var user = "65534:65534"
    /// Request and response size limit in the runner; nil keeps the runner's default.
    public var maxBodyBytes: Int?

    public init() {}

    public init(timeout: Duration? = nil, memoryMiB: Int? = nil) {
        if let timeout { self.timeout = timeout }
        if let memoryMiB { self.memoryBytes = Int64(memoryMiB) << 20 }
    }

    /// What decides whether two calls may share a container: everything but the timeout, which
    /// travels with each call.
    var containerKey: String {
        "m\(memoryBytes)-c\(cpus)-p\(pidsLimit)-f\(openFilesLimit)-n\(allowNetwork)-r\(readOnlyRootFilesystem)-t\(tmpfsBytes)-u\(user)-b\(maxBodyBytes ?? -1)"
    }

    /// `timeout` within what the runner accepts: 1 ms to a day.
    var effectiveTimeout: Duration {
        min(max(timeout, .milliseconds(1)), Self.maxTimeout)
    }

    var timeoutSeconds: Double {
        let timeout = effectiveTimeout
        return Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    }
}
