#if canImport(Glibc)
import Glibc
#endif

/// Limits and isolation of one function's containers. Every default is the hardened choice; loosening
/// one (say, `allowNetwork`) is a per-function decision, so it lives here rather than on the dispatcher.
public struct FunctionConfiguration: Sendable, Hashable {
    /// Deadline of one invocation, also the longest it may wait for a free container. Past it the
    /// runner interrupts the call and the dispatcher replaces the container, since the interrupted
    /// module may be left half-updated. From 1 ms to a day (`maxTimeout`, the runner's own limit);
    /// values outside are clamped to that range.
    public var timeout: Duration = .seconds(60)
    /// Memory limit; swap is set to the same value, so there is no swap on top of it.
    public var memoryBytes: Int64 = 256 << 20
    public var cpus: Double = 1
    public var pidsLimit: Int64 = 256
    public var openFilesLimit: Int64 = 1024
    /// False (the default) gives the container no network interface but loopback.
    public var allowNetwork = false
    public var readOnlyRootFilesystem = true
    /// Size of the writable tmpfs at `/tmp` (the only writable place when the root is read-only). It is
    /// mounted `noexec,nosuid,nodev`.
    public var tmpfsBytes: Int64 = 64 << 20
    /// `uid:gid` inside the container, numeric; the image's `nobody` by default. Root (uid 0) and the
    /// dispatcher's own uid are refused: either could write the sealed socket directory on the host.
    public var user = "65534:65534"
    /// Request and response size limit in the runner, from 1 byte to `maxBodyBytesLimit`; nil keeps
    /// the runner's default (6 MiB). The host may hold an answer of this size twice over while it
    /// reads it (its buffer's capacity is a power of two) and once more as the result.
    public var maxBodyBytes: Int?
    /// The OCI runtime: runc (Docker's default) or gVisor's runsc, a user-space kernel between the
    /// function and the host (cold starts are about 3x slower).
    public var runtime: ContainerRuntime = .runc
    /// Docker keeps a container's output in json-file logs rotated at this size...
    public var logFileBytes: Int64 = 10 << 20
    /// ...and this many files, so that output written past the runner's per-invocation cap (say, with
    /// `os.write(1, ...)`) cannot fill the host's disk.
    public var logFiles = 2
    /// Containers this function may scale out to (each runs one invocation at a time); nil uses the
    /// dispatcher's `maxContainersPerFunction`.
    public var concurrency: Int?

    /// The largest `maxBodyBytes`: a result is held in memory whole, on the host too.
    public static let maxBodyBytesLimit = 1 << 30

    /// The longest deadline a runner accepts (`X-Timeout-Ms` up to 86 400 000).
    public static let maxTimeout: Duration = .seconds(86_400)

    public init() {}

    public init(timeout: Duration? = nil, memoryMiB: Int? = nil, runtime: ContainerRuntime = .runc) {
        if let timeout { self.timeout = timeout }
        if let memoryMiB { self.memoryBytes = Int64(memoryMiB) << 20 }
        self.runtime = runtime
    }

    /// `timeout` within what the runner accepts: 1 ms to a day.
    var effectiveTimeout: Duration {
        min(max(timeout, .milliseconds(1)), Self.maxTimeout)
    }

    var timeoutSeconds: Double { effectiveTimeout.seconds }

    /// Refuses settings that would break the isolation or cannot be applied.
    func validate() throws(DispatcherError) {
        // Numeric only: a name could be mapped to uid 0 by the image's /etc/passwd, and Docker reads
        // "00" or "+0" as root too.
        let parts = user.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 10 && $0.allSatisfy(\.isASCIIDigit) }),
            let uid = UInt32(parts[0])
        else {
            throw .invalidConfiguration("FunctionConfiguration.user must be a numeric uid or uid:gid, not \"\(user)\"")
        }
        if uid == 0 || uid == geteuid() {
            throw .invalidConfiguration(
                "FunctionConfiguration.user must not be root or this process's own uid (\"\(user)\"): that user could take over its socket directory on the host")
        }
        if runtime == .gvisor && geteuid() != 0 {
            throw .invalidConfiguration(
                "the runsc runtime needs pylambda to run as root: gVisor creates the runner's socket for uid 65534 with mode 0755, which another user cannot connect to")
        }
        if memoryBytes < 16 << 20 { throw .invalidConfiguration("memory must be at least 16 MiB") }
        if !(cpus > 0 && cpus <= 1024) { throw .invalidConfiguration("cpus must be above 0 and at most 1024, not \(cpus)") }
        if pidsLimit < 8 { throw .invalidConfiguration("pidsLimit must be at least 8") }
        if logFileBytes < 4096 || logFiles < 1 { throw .invalidConfiguration("log rotation needs at least one file of 4 KiB") }
        if let concurrency, concurrency < 1 { throw .invalidConfiguration("concurrency must be at least 1") }
        if let maxBodyBytes, !(1...Self.maxBodyBytesLimit).contains(maxBodyBytes) {
            throw .invalidConfiguration("maxBodyBytes must be from 1 byte to 1 GiB, not \(maxBodyBytes)")
        }
    }
}

/// Which OCI runtime runs a function's container.
public enum ContainerRuntime: String, Sendable, Hashable, CaseIterable {
    /// Docker's default runtime: Linux namespaces, cgroups and seccomp on the host kernel.
    case runc
    /// gVisor: the function's system calls go to a user-space kernel. Needs `runsc` registered with
    /// dockerd with `--network=none --host-uds=create` (see `make deps`).
    case gvisor = "runsc"

    /// The runtime's name as Docker knows it; nil leaves Docker's default.
    var dockerName: String? { self == .runc ? nil : rawValue }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
