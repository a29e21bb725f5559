import Logging
import NIOCore
import PostgresNIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs registry SQL on one PostgreSQL connection, with typed binds (never values spliced into SQL).
struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .bytes(let value): bindings.append(ByteBuffer(bytes: value))
            case .bool(let value): bindings.append(value)
            case .timestamp(let value): bindings.append(value)
            }
        }
        let query = PostgresQuery(unsafeSQL: SQLDialect.postgres.render(sql), binds: bindings)
        let connection = connection
        let logger = logger
        // Not cancelled with the caller: a statement half-read, or a skipped ROLLBACK, would leave the
        // pooled connection in a state the next user does not expect.
        return try await Task {
            let rows = try await connection.query(query, logger: logger)
            var result: [SQLRow] = []
            for try await row in rows {
                var values: [SQLValue] = []
                values.reserveCapacity(row.count)
                for cell in row { values.append(try Self.value(cell)) }
                result.append(SQLRow(values: values))
            }
            return result
        }.value
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        case .bytea: return .bytes(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .timestamptz, .timestamp: return .timestamp(try cell.decode(Date.self))
        default:
            throw RegistryError.corruptRecord("column \(cell.columnName) has type \(cell.dataType), which the registry does not read")
        }
    }
}
