import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite side of `SQLDatabase`: one writer connection (SQLite serialises writers anyway) and a
/// few readers, in WAL mode so that reads never wait for the writer. Cheap to create; `open()`
/// (from the store's `run()`) opens the file.
///
/// The connections run on a thread pool of their own, one thread each. A statement waiting for
/// another process's lock blocks its thread for up to the busy timeout; on a shared pool (NIO's
/// singleton has one thread per core) a few such waits would starve the statements that are about
/// to release the lock, and everything would wait out the timeout.
final class SQLiteRegistryDatabase: SQLDatabase {
    private struct Connections: Sendable {
        var writer: LeasePool<SQLiteConnection>
        var readers: LeasePool<SQLiteConnection>
        var threads: NIOThreadPool
    }

    let dialect = SQLDialect.sqlite
    /// One serve process writes a SQLite registry: nobody to tell.
    let changeChannel: String? = nil
    let configuration: SQLiteStoreConfiguration
    private let connections = Mutex<Connections?>(nil)

    init(configuration: SQLiteStoreConfiguration) {
        self.configuration = configuration
    }

    /// Creates the file (0600) if needed, opens the connections and sets them up.
    func open() async throws(RegistryError) {
        let path = configuration.path
        try Self.createPrivateFile(path)
        let readerCount = max(1, configuration.readerConnections)
        let threads = NIOThreadPool(numberOfThreads: 1 + readerCount)
        threads.start()
        var opened: [SQLiteConnection] = []
        do {
            let writer = try await open(path, on: threads)
            opened.append(writer)
            try await configure(writer)
            try await switchToWAL(writer)
            var readers: [SQLiteConnection] = []
            for _ in 0..<readerCount {
                let reader = try await open(path, on: threads)
                opened.append(reader)
                try await configure(reader)
                _ = try await reader.query("PRAGMA query_only = ON")
                readers.append(reader)
            }
            let ready = Connections(writer: LeasePool([writer]), readers: LeasePool(readers), threads: threads)
            connections.withLock { $0 = ready }
        } catch {
            for connection in opened { await Self.closeShielded(connection) }
            await Task { try? await threads.shutdownGracefully() }.value
            throw registryError(for: error)
        }
    }

    /// New calls fail with `shutDown` from here on; calls in flight finish first, then the
    /// connections close.
    func close() async {
        guard let closing = connections.withLock({ connections in
            defer { connections = nil }
            return connections
        }) else { return }
        for connection in await closing.writer.takeAll() + closing.readers.takeAll() {
            await Self.closeShielded(connection)
        }
        await Task { try? await closing.threads.shutdownGracefully() }.value
    }

    private func open(_ path: String, on threads: NIOThreadPool) async throws -> SQLiteConnection {
        try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threads, logger: configuration.logger,
            on: MultiThreadedEventLoopGroup.singleton.any())
    }

    /// WAL mode is a property of the file, set once by whichever process opens it first. Two
    /// processes switching a new file at once can each hold the shared lock the other needs; SQLite
    /// then fails one at once instead of calling the busy handler, so this retries, within the busy
    /// timeout.
    private func switchToWAL(_ connection: SQLiteConnection) async throws {
        let deadline = ContinuousClock.now + configuration.busyTimeout
        while true {
            do {
                let mode = try await connection.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
                guard mode?.lowercased() == "wal" else {
                    throw RegistryError.unavailable(
                        "\(configuration.path) cannot be switched to WAL mode (journal mode \(mode ?? "unknown")); put the state directory on a local file system")
                }
                return
            } catch let error as SQLiteError where error.reason == .busy && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(Int.random(in: 5...50)))
            }
        }
    }

    /// Closes even when the calling task is cancelled (as `run()` is at shutdown): NIO's thread pool
    /// skips a cancelled task's work, and an unclosed connection traps in sqlite-nio's deinit.
    private static func closeShielded(_ connection: SQLiteConnection) async {
        await Task { try? await connection.close() }.value
    }

    private func configure(_ connection: SQLiteConnection) async throws {
        let timeout = configuration.busyTimeout.components
        let milliseconds = max(0, timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000)
        // Replaces sqlite-nio's busy handler, which retries forever: a lock held by a stuck process
        // must end in a clear error, not in a hang.
        _ = try await connection.query("PRAGMA busy_timeout = \(milliseconds)")
        _ = try await connection.query("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
    }

    /// The registry holds AWS secrets: it must not be created world-readable. An existing file keeps
    /// the mode its owner gave it; a symbolic link is refused rather than followed.
    private static func createPrivateFile(_ path: String) throws(RegistryError) {
        let descriptor = Glibc.open(path, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw .unavailable("cannot create or open the registry database \(path): \(reason); check that its directory exists and is writable, and that it is not a symbolic link")
        }
        var status = stat()
        let isRegular = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        Glibc.close(descriptor)
        guard isRegular else {
            throw .unavailable("the registry database \(path) is not a regular file")
        }
    }

    private func opened() throws(RegistryError) -> Connections {
        guard let connections = connections.withLock({ $0 }) else { throw .shutDown }
        return connections
    }

    func read<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await opened().readers.withLease { connection in
            try await body(SQLiteExecutor(connection: connection, shielded: false))
        }
    }

    func transaction<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await opened().writer.withLease { connection in
            let executor = SQLiteExecutor(connection: connection)
            // IMMEDIATE takes the write lock now: a transaction that reads and then writes cannot find
            // halfway through that another process wrote in between (SQLITE_BUSY_SNAPSHOT).
            _ = try await executor.query("BEGIN IMMEDIATE", [])
            do {
                let result = try await body(executor)
                _ = try await executor.query("COMMIT", [])
                return result
            } catch {
                _ = try? await executor.query("ROLLBACK", [])
                throw error
            }
        }
    }

    /// The statement runs on the writer connection in autocommit mode: no `BEGIN IMMEDIATE` and
    /// `COMMIT` around it, which were two more trips to the connection's thread per write. A write
    /// statement takes the write lock as it starts, as `BEGIN IMMEDIATE` does, and SQLite retries
    /// that (busy handler) when the snapshot it started to read from is stale, because no transaction
    /// was open before it (`sqlite3BtreeBeginTrans`); only a read transaction that later writes gets
    /// `SQLITE_BUSY_SNAPSHOT`.
    func singleStatementWrite<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await opened().writer.withLease { connection in
            try await body(SQLiteExecutor(connection: connection))
        }
    }

    func registryError(for error: any Error) -> RegistryError {
        SQLiteErrorMapping.registryError(for: error, path: configuration.path)
    }
}
