import Synchronization

/// The few places where SQLite's and PostgreSQL's SQL differ; everything else is written once.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The SQL as this database takes it: `{now}` becomes the current time in the column format, and
    /// for SQLite `$N` becomes `?N` (SQLite numbers `$name` parameters by first appearance instead).
    /// The registry's statements are nearly a fixed set, so each is rendered once and remembered; the
    /// few generated ones (a batch of records has a statement per size) stop being remembered beyond
    /// `maxRemembered`.
    func render(_ sql: String) -> String {
        if let rendered = Self.rendered.withLock({ $0[self]?[sql] }) { return rendered }
        let rendered: String
        switch self {
        case .postgres:
            rendered = sql.replacing("{now}", with: "now()")
        case .sqlite:
            rendered = String(sql.replacing("{now}", with: "CAST(unixepoch('now', 'subsec') * 1000000 AS INTEGER)").map { $0 == "$" ? "?" : $0 })
        }
        Self.rendered.withLock { remembered in
            if remembered[self, default: [:]].count < Self.maxRemembered { remembered[self, default: [:]][sql] = rendered }
        }
        return rendered
    }

    private static let rendered = Mutex<[SQLDialect: [String: String]]>([:])
    private static let maxRemembered = 256

    /// Appended to the SELECT that picks a queued invocation: other processes skip the rows this one
    /// has locked instead of waiting for them. SQLite's write transaction locks the whole database.
    var lockSkippingLocked: String {
        self == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
    }

    /// Appended to a SELECT of a function row that must stay live until the transaction ends (a delete
    /// waits for it, and then sees what it did).
    var lockForShare: String {
        self == .postgres ? " FOR SHARE" : ""
    }

    /// The current time minus the seconds (a double) bound at `parameter`.
    func now(minusSeconds parameter: String) -> String {
        switch self {
        case .postgres: "now() - make_interval(secs => \(parameter))"
        case .sqlite: "{now} - CAST(\(parameter) * 1000000 AS INTEGER)"
        }
    }

    /// A subquery listing the strings of a JSON array bound at `parameter` (`["a","b"]`).
    func texts(inJSONArray parameter: String) -> String {
        switch self {
        case .postgres: "SELECT json_array_elements_text(CAST(\(parameter) AS json))"
        case .sqlite: "SELECT value FROM json_each(\(parameter))"
        }
    }

    /// A subquery listing the integers of a JSON array bound at `parameter` (`[1,2,3]`).
    func integers(inJSONArray parameter: String) -> String {
        switch self {
        case .postgres: "SELECT CAST(json_array_elements_text(CAST(\(parameter) AS json)) AS bigint)"
        case .sqlite: "SELECT value FROM json_each(\(parameter))"
        }
    }
}
