import ServiceLifecycle
import Synchronization

/// The registry in one SQLite file (WAL mode), the default: a file in the state directory, nothing to
/// install or run. Meant for one serve process on one machine. Two processes on one file stay
/// correct (writes take turns through SQLite's file lock, `busyTimeout` bounds the wait), but for
/// several serve processes sharing work, use PostgreSQL.
///
/// SQLite is sqlite-nio's copy (3.54, compiled in) rather than GRDB over Debian's libsqlite3: no system
/// library to install on a fresh machine, a version we know (RETURNING, partial-index upserts,
/// `unixepoch('subsec')`), and the same NIO thread pool and async style as postgres-nio.
public final class SQLiteFunctionStore: SQLBackedFunctionStore {
    public let configuration: SQLiteStoreConfiguration
    /// This process is the only writer: what it caches goes stale only by its own changes.
    public let changes = RegistryChangeFeed.singleWriter()
    let registry: SQLRegistry
    private let database: SQLiteRegistryDatabase
    private let started = Mutex(false)

    /// Cheap: nothing is opened before `run()`.
    public init(configuration: SQLiteStoreConfiguration) {
        self.configuration = configuration
        database = SQLiteRegistryDatabase(configuration: configuration)
        registry = SQLRegistry(database: database, limits: configuration.limits)
    }

    /// Opens the file, migrates it (in one `BEGIN IMMEDIATE` transaction, so two processes starting
    /// on one file take turns), serves calls until graceful shutdown or cancellation, then closes.
    /// Throws, after failing every waiting call, if the database cannot be opened or migrated.
    public func run() async throws {
        guard started.withLock({ started in defer { started = true }; return !started }) else {
            throw RegistryError.unavailable("SQLiteFunctionStore.run() was called twice; a store runs once")
        }
        do {
            try await database.open()
            do {
                _ = try await database.transaction { db in
                    try await RegistrySchema.migrate(db, dialect: .sqlite)
                }
            } catch let failure as RegistrySchema.MigrationFailure {
                throw RegistryError.migrationFailed(version: failure.version, reason: "\(database.registryError(for: failure.underlying))")
            } catch {
                throw database.registryError(for: error)
            }
        } catch {
            let error = (error as? RegistryError) ?? database.registryError(for: error)
            registry.gate.close(error)
            await database.close()
            throw error
        }
        registry.gate.open()
        configuration.logger.debug("registry open", metadata: ["path": "\(configuration.path)"])
        try? await gracefulShutdown()
        registry.gate.close(.shutDown)
        await database.close()
    }
}
