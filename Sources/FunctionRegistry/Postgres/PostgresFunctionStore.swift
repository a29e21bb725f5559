import ServiceLifecycle
import Synchronization

/// The registry in PostgreSQL (`--database postgres://...`): several serve processes share functions,
/// keys, records and one async queue, which each takes from with `FOR UPDATE SKIP LOCKED`.
///
/// Owns a postgres-nio `PostgresClient` (a connection pool) and runs it inside its own `run()`.
public final class PostgresFunctionStore: SQLBackedFunctionStore {
    public let configuration: PostgresStoreConfiguration
    /// Fed by a `PostgresChangeListener` while `run()` runs; nothing is cached before or after.
    public let changes = RegistryChangeFeed.shared()
    let registry: SQLRegistry
    private let database: PostgresRegistryDatabase
    private let started = Mutex(false)

    /// Cheap: connects to nothing before `run()`. Throws only for a bad schema name or TLS setup.
    public init(configuration: PostgresStoreConfiguration) throws(RegistryError) {
        self.configuration = configuration
        database = try PostgresRegistryDatabase(configuration: configuration)
        registry = SQLRegistry(database: database, limits: configuration.limits)
    }

    /// Starts the pool, migrates (see `PostgresRegistryDatabase.migrate`), listens for the changes
    /// other processes make (`PostgresChangeListener`), serves calls until graceful shutdown or
    /// cancellation, then closes the pool. Throws, after failing every waiting call, if the server
    /// cannot be reached or the migration fails. Runs once per store.
    public func run() async throws {
        guard started.withLock({ started in defer { started = true }; return !started }) else {
            throw RegistryError.unavailable("PostgresFunctionStore.run() was called twice; a store runs once")
        }
        let database = database
        // The pool runs in a detached task rather than a child: a child is cancelled with `run()`,
        // at the same moment as the listener, and a query still in flight on a pool that is shutting
        // down is never answered (postgres-nio), which held `run()` for ever. Detached, not just
        // unstructured: `PostgresClient.run()` also stops on graceful shutdown, which it would see
        // through the task-locals a `Task {}` inherits. The pool stops last, once nothing of this
        // store uses it.
        let pool = Task.detached { await database.client.run() }
        do {
            try await database.migrate()
        } catch {
            let error = database.registryError(for: error)
            registry.gate.close(error)
            pool.cancel()
            await pool.value
            throw error
        }
        let listener = PostgresChangeListener(database: database, channel: configuration.schema, feed: changes, logger: configuration.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            registry.gate.open()
            configuration.logger.debug("registry open", metadata: ["url": "\(configuration.redactedURL)", "schema": "\(configuration.schema)"])
            try? await gracefulShutdown()
            registry.gate.close(.shutDown)
            group.cancelAll()
        }
        pool.cancel()
        await pool.value
    }
}
