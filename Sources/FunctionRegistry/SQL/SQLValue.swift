#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A bound parameter or a column value, as both databases see it. Each backend maps these to its own
/// types: PostgreSQL binds them typed (int8, float8, text, bytea, bool, timestamptz); SQLite stores
/// booleans as 0/1 and timestamps as microseconds since 1970.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)
    case timestamp(Date)

    static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
    static func optional(_ bytes: [UInt8]?) -> SQLValue { bytes.map(SQLValue.bytes) ?? .null }
    static func optional(_ double: Double?) -> SQLValue { double.map(SQLValue.double) ?? .null }
    static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
}
