#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One result row, read by column position (each query names its columns in a fixed order). The
/// accessors accept both backends' representations and refuse anything else as a corrupt record.
struct SQLRow: Sendable {
    var values: [SQLValue]

    func int64(_ column: Int) throws(RegistryError) -> Int64 {
        guard case .integer(let value) = try value(column) else { throw mismatch(column, "an integer") }
        return value
    }

    func int(_ column: Int) throws(RegistryError) -> Int {
        Int(try int64(column))
    }

    func double(_ column: Int) throws(RegistryError) -> Double {
        switch try value(column) {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        default: throw mismatch(column, "a number")
        }
    }

    func optionalDouble(_ column: Int) throws(RegistryError) -> Double? {
        if case .null = try value(column) { return nil }
        return try double(column)
    }

    func text(_ column: Int) throws(RegistryError) -> String {
        guard case .text(let value) = try value(column) else { throw mismatch(column, "text") }
        return value
    }

    func optionalText(_ column: Int) throws(RegistryError) -> String? {
        if case .null = try value(column) { return nil }
        return try text(column)
    }

    func bytes(_ column: Int) throws(RegistryError) -> [UInt8] {
        switch try value(column) {
        case .bytes(let value): return value
        // SQLite binds an empty blob as NULL, so the store writes empty byte strings as '' instead.
        case .text(let value) where value.isEmpty: return []
        default: throw mismatch(column, "bytes")
        }
    }

    func optionalBytes(_ column: Int) throws(RegistryError) -> [UInt8]? {
        if case .null = try value(column) { return nil }
        return try bytes(column)
    }

    func bool(_ column: Int) throws(RegistryError) -> Bool {
        switch try value(column) {
        case .bool(let value): return value
        case .integer(0): return false
        case .integer(1): return true
        default: throw mismatch(column, "a boolean")
        }
    }

    func date(_ column: Int) throws(RegistryError) -> Date {
        switch try value(column) {
        case .timestamp(let value): return value
        case .integer(let microseconds): return SQLTime.date(microseconds: microseconds)
        default: throw mismatch(column, "a timestamp")
        }
    }

    func optionalDate(_ column: Int) throws(RegistryError) -> Date? {
        if case .null = try value(column) { return nil }
        return try date(column)
    }

    func enumeration<Value: RawRepresentable>(_ column: Int, _ type: Value.Type) throws(RegistryError) -> Value
    where Value.RawValue == String {
        let raw = try text(column)
        guard let value = Value(rawValue: raw) else {
            throw .corruptRecord("column \(column) holds \(String(reflecting: raw)), which is not a \(Value.self)")
        }
        return value
    }

    private func value(_ column: Int) throws(RegistryError) -> SQLValue {
        guard values.indices.contains(column) else {
            throw .corruptRecord("a row has \(values.count) columns; column \(column) was expected")
        }
        return values[column]
    }

    private func mismatch(_ column: Int, _ expected: String) -> RegistryError {
        .corruptRecord("column \(column) holds \(values[column]) where \(expected) was expected")
    }
}

/// SQLite's timestamps: integer microseconds since 1970, the precision PostgreSQL keeps too.
enum SQLTime {
    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
