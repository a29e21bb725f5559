/// The registry's logic, written once over `SQLDatabase` for both SQLite and PostgreSQL. The public
/// stores own a database and a `run()`, and forward every `FunctionStore` call here.
///
/// Every call waits for the store to be started (`gate`), and leaves with a `RegistryError` only:
/// backend errors are mapped by the database, which knows what its codes mean.
final class SQLRegistry: Sendable {
    let database: any SQLDatabase
    let validation: InputValidation
    let gate = StartupGate()

    init(database: any SQLDatabase, limits: RegistryLimits) {
        self.database = database
        validation = InputValidation(limits: limits)
    }

    var dialect: SQLDialect { database.dialect }

    /// Reads on a connection of their own, each statement seeing the latest commits.
    func read<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws(RegistryError) -> Result {
        try await gate.wait()
        do {
            return try await database.read(body)
        } catch {
            throw database.registryError(for: error)
        }
    }

    /// Writes in one transaction.
    func write<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws(RegistryError) -> Result {
        try await gate.wait()
        do {
            return try await database.transaction(body)
        } catch {
            throw database.registryError(for: error)
        }
    }

    /// A write that is one statement, hence atomic by itself: PostgreSQL runs it without BEGIN and
    /// COMMIT (one round trip instead of three); SQLite still takes its write lock first.
    func writeStatement<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws(RegistryError) -> Result {
        try await gate.wait()
        do {
            return try await database.singleStatementWrite(body)
        } catch {
            throw database.registryError(for: error)
        }
    }
}

extension SQLRegistry {
    /// Tells the other processes sharing the registry that what they cached of it may be stale: a
    /// function's latest version, or a key. PostgreSQL delivers the `NOTIFY` when the transaction
    /// commits (and not if it rolls back). Nothing for SQLite, which one process writes.
    func announceChange(in db: any SQLExecutor) async throws {
        guard let channel = database.changeChannel else { return }
        try await db.query("SELECT 1 FROM pg_notify($1, '')", .text(channel))
    }
}

extension SQLExecutor {
    /// The live function of this name: `(id, latest version)`, or `functionNotFound`.
    func liveFunction(named name: String, lock: String = "") async throws -> (id: Int64, latestVersion: Int) {
        guard let row = try await first("SELECT id, latest_version FROM functions WHERE name = $1 AND deleted_at IS NULL" + lock, .text(name)) else {
            throw RegistryError.functionNotFound(name: name)
        }
        return (try row.int64(0), try row.int(1))
    }
}
