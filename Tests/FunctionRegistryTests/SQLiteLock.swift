import SQLiteNIO

/// Holds an SQLite write lock on `path` (as another process would) while `body` runs.
func withLockedSQLite(_ path: String, _ body: () async throws -> Void) async throws {
    let connection = try await SQLiteConnection.open(storage: .file(path: path))
    _ = try await connection.query("BEGIN IMMEDIATE")
    do {
        try await body()
    } catch {
        _ = try? await connection.query("ROLLBACK")
        try await connection.close()
        throw error
    }
    _ = try await connection.query("ROLLBACK")
    try await connection.close()
}
