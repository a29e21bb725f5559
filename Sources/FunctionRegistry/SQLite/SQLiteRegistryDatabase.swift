import Logging
import SQLiteNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite side of `SQLDatabase`: one writer connection (SQLite serialises writers anyway) and a
/// few readers, in WAL mode so that reads never wait for the writer. Cheap to create; `open()`
/// (from the store's `run()`) opens the file.
final class SQLiteRegistryDatabase: SQLDatabase {
    private struct Connections: Sendable {
        var writer: LeasePool<SQLiteConnection>
        var readers: LeasePool<SQLiteConnection>
    }

    let dialect = SQLDialect.sqlite
    let configuration: SQLiteStoreConfiguration
    private let connections = Mutex<Connections?>(nil)

    init(configuration: SQLiteStoreConfiguration) {
        self.configuration = configuration
    }

    /// Creates the file (0600) if needed, opens the connections and sets them up.
    func open() async throws(RegistryError) {
        let path = configuration.path
        try Self.createPrivateFile(path)
        var opened: [SQLiteConnection] = []
        do {
            let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: configuration.logger)
            opened.append(writer)
            let mode = try await writer.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
            guard mode?.lowercased() == "wal" else {
                throw RegistryError.unavailable(
                    "\(path) cannot be switched to WAL mode (journal mode \(mode ?? "unknown")); put the state directory on a local file system")
            }
            try await configure(writer)
            var readers: [SQLiteConnection] = []
            for _ in 0..<max(1, configuration.readerConnections) {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: configuration.logger)
                opened.append(reader)
                try await configure(reader)
                _ = try await reader.query("PRAGMA query_only = ON")
                readers.append(reader)
            }
            let ready = Connections(writer: LeasePool([writer]), readers: LeasePool(readers))
            connections.withLock { $0 = ready }
        } catch {
            for connection in opened { try? await connection.close() }
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
            try? await connection.close()
        }
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
            try await body(SQLiteExecutor(connection: connection))
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

    func singleStatementWrite<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await transaction(body)
    }

    func registryError(for error: any Error) -> RegistryError {
        SQLiteErrorMapping.registryError(for: error, path: configuration.path)
    }
}
