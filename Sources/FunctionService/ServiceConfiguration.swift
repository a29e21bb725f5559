import Dispatcher
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Everything `pylambda serve` can be told, with the defaults it uses when told nothing.
public struct ServiceConfiguration: Sendable {
    public enum Database: Sendable, Equatable {
        /// `registry.sqlite` in the state directory: one serve process.
        case sqlite
        /// Several serve processes sharing one registry and one async queue.
        case postgres(url: String)
    }

    public var host = "127.0.0.1"
    public var port = 8900
    /// A connection with no request in progress for this long is closed: idle keep-alive
    /// connections, and clients that stop partway through a request's head or body. Without it, a
    /// client could hold connections (and file descriptors) for good. A request being answered is
    /// never cut, however long its function runs. 75 s as nginx's `keepalive_timeout`: longer than
    /// the 60 s after which common clients drop idle connections themselves, so that they, not
    /// serve, usually close first. `nil`: connections stay until the client closes.
    public var idleConnectionTimeout: Duration? = .seconds(75)
    /// Runners, and what must outlive a reboot: the SQLite registry, `admin.key`, extracted packages
    /// and dependency sets.
    public var stateDirectory = ServiceConfiguration.defaultStateDirectory
    public var database = Database.sqlite
    /// The admin key (`PYLAMBDA_ADMIN_KEY`); without one, the first start makes one and writes it to
    /// `admin.key` (mode 0600) in the state directory.
    public var adminKey: String?
    /// How the dispatcher runs functions (image, warm pool, limits); its state directory is ours.
    public var dispatcher = DispatcherConfiguration()
    public var limits = Limits()
    /// Async calls this process runs at once (each function also within its concurrency).
    public var maxConcurrentAsyncInvocations = 8
    /// How often the async queue is looked at when nothing was queued through this process.
    public var asyncPollInterval: Duration = .milliseconds(250)
    /// How long the records of sync calls may wait to be written together (`InvocationRecorder`):
    /// what a `kill -9` can lose of calls whose answers it also cut off, and how late another serve
    /// process sharing the registry sees a record. 20 ms rather than 5: with calls waiting for a
    /// busy function's runners, serve used 14% less CPU (fewer, larger batches; more calls written
    /// once, final, instead of running then final), which its runners got instead.
    public var syncRecordBatchDelay: Duration = .milliseconds(20)
    /// How long the records of ended calls are kept after they ended, async results included: without a limit, every call would grow the registry for good. Seven days, as
    /// `pylambda deps gc` keeps unused dependency sets. `nil`: kept until their function's records
    /// are deleted by hand.
    public var invocationRetention: Duration? = .seconds(7 * 86_400)
    public var heartbeatInterval: Duration = .seconds(5)
    /// A serve process whose heartbeat is older than this is gone: its running calls become
    /// `interrupted`.
    public var instanceStaleAfter: Duration = .seconds(30)
    /// Whether a deployed `requirements.txt` may name its own index (`--index-url`, `--find-links`,
    /// ...). Off: callers would choose which URLs the host fetches. The service's own environment
    /// (`PIP_INDEX_URL`, `UV_INDEX_URL`, `PIP_FIND_LINKS`, ...) still applies.
    public var allowIndexOptionsInRequirements = false
    /// The region in ARNs and the Lambda API's answers.
    public var region = "us-east-1"
    public var logger = Logger(label: "pylambda.serve", factory: { LazyMetadataLogHandler(label: $0) })

    public struct Limits: Sendable {
        /// An invocation's input (and, at the runner, its result): AWS Lambda's synchronous limit.
        public var maxPayloadBytes = 6 << 20
        /// A deploy's body (a base64 zip of `PackageLimits.maxPackedBytes` fits).
        public var maxDeployBytes = 70 << 20
        public var maxSourceBytes = 6 << 20
        public var minMemoryMB = 64
        public var maxMemoryMB = 10_240
        public var minTimeoutSeconds = 1.0
        public var maxTimeoutSeconds = 900.0
        public var maxConcurrency = 64

        public init() {}
    }

    public init() {}

    /// Durable, unlike a dispatcher's runtime directory: `/var/lib/pylambda` for root, else
    /// `$XDG_DATA_HOME/pylambda`, else `~/.local/share/pylambda`.
    public static var defaultStateDirectory: String {
        if geteuid() == 0 { return "/var/lib/pylambda" }
        if let data = getenv("XDG_DATA_HOME").map({ String(cString: $0) }), data.hasPrefix("/") { return data + "/pylambda" }
        if let home = getenv("HOME").map({ String(cString: $0) }), home.hasPrefix("/") { return home + "/.local/share/pylambda" }
        return DispatcherConfiguration.defaultStateDirectory
    }
}
