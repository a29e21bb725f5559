import Logging

/// Where and how `SQLiteFunctionStore` keeps the registry. The defaults suit one serve process on one
/// machine, which is what SQLite is for here; several processes sharing a registry want PostgreSQL.
public struct SQLiteStoreConfiguration: Sendable {
    /// How much a commit waits for the disk.
    public enum Synchronous: String, Sendable {
        /// A commit is safe from a crash or `kill -9` of the process (it is in the WAL file, which the
        /// next open replays), but the last commits may be lost if the machine loses power or the
        /// kernel crashes. No fsync per commit, so recording an invocation stays in the microseconds.
        case normal = "NORMAL"
        /// Every commit is fsynced: safe from power loss too, at the cost of a disk flush per write.
        case full = "FULL"
    }

    /// The database file, created with mode 0600 if missing (it holds AWS secret keys). Its directory
    /// must exist. SQLite adds `-wal` and `-shm` files beside it.
    public var path: String
    /// Connections for reads, which run beside the one writer thanks to WAL.
    public var readerConnections = 2
    /// How long a statement waits for another process's write lock before failing as unavailable.
    public var busyTimeout: Duration = .seconds(5)
    public var synchronous = Synchronous.normal
    public var limits = RegistryLimits()
    public var logger = Logger(label: "pylambda.registry")

    public init(path: String) {
        self.path = path
    }
}
