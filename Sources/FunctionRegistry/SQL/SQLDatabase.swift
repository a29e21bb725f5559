/// One connection's worth of queries: inside a transaction (`SQLDatabase.transaction`) or not
/// (`SQLDatabase.read`). SQL is written once for both databases with `$1`-style parameters and the
/// `{now}` token; the executor renders it for its dialect.
protocol SQLExecutor: Sendable {
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

extension SQLExecutor {
    @discardableResult
    func query(_ sql: String, _ binds: SQLValue...) async throws -> [SQLRow] {
        try await query(sql, binds)
    }

    /// The first row, or nil.
    func first(_ sql: String, _ binds: SQLValue...) async throws -> SQLRow? {
        try await query(sql, binds).first
    }
}

/// A backend: how to get a connection, how to run a transaction, what its errors mean.
protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }

    /// Where changes other processes must hear of are announced (`SQLRegistry.announceChange`); nil
    /// when no other process writes the registry.
    var changeChannel: String? { get }

    /// Runs `body` on a connection, outside any explicit transaction (each statement commits alone).
    func read<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result

    /// Runs `body` in one transaction that takes the write lock at once (SQLite: `BEGIN IMMEDIATE`;
    /// PostgreSQL: `BEGIN`, and row locks as the statements need them). Commits when `body` returns,
    /// rolls back when it throws.
    func transaction<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result

    /// Runs `body`, which issues one write statement, as its own transaction (autocommit, on SQLite's
    /// writer connection). What the statement wrote stays written even if `body` throws afterwards
    /// (say, decoding the rows it returned).
    func singleStatementWrite<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result

    /// The backend's error as a registry error with a message a user can act on.
    func registryError(for error: any Error) -> RegistryError
}
