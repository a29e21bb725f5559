import NIOCore
import SQLiteNIO

/// Runs registry SQL on one SQLite connection.
struct SQLiteExecutor: SQLExecutor {
    let connection: SQLiteConnection

    /// In a transaction, statements run to completion even if the calling task is cancelled: NIO's
    /// thread pool would skip a cancelled task's work, and a skipped ROLLBACK would leave the
    /// connection inside a transaction that holds the write lock. Each statement is bounded by the
    /// busy timeout anyway. A lone read may simply be skipped, which saves a task per read.
    var shielded = true

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let connection = connection
        let rendered = SQLDialect.sqlite.render(sql)
        let data = binds.map(Self.sqliteData)
        guard shielded else { return try await Self.run(connection, rendered, data) }
        return try await Task { try await Self.run(connection, rendered, data) }.value
    }

    private static func run(_ connection: SQLiteConnection, _ sql: String, _ binds: [SQLiteData]) async throws -> [SQLRow] {
        let rows = try await connection.query(sql, binds)
        return rows.map { row in SQLRow(values: row.columns.map { value($0.data) }) }
    }

    private static func sqliteData(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .integer(let value): .integer(SQLiteInt64(value))
        case .double(let value): .float(value)
        case .text(let value): .text(value)
        // sqlite3_bind_blob with no bytes binds NULL; an empty string keeps "empty" apart from "none".
        case .bytes(let value): value.isEmpty ? .text("") : .blob(ByteBuffer(bytes: value))
        case .bool(let value): .integer(value ? 1 : 0)
        case .timestamp(let date): .integer(SQLiteInt64(SQLTime.microseconds(date)))
        }
    }

    private static func value(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .null: .null
        case .integer(let value): .integer(Int64(value))
        case .float(let value): .double(value)
        case .text(let value): .text(value)
        case .blob(let buffer): .bytes(Array(buffer.readableBytesView))
        }
    }
}
