/// Why a registry operation failed. Each case is a different thing for the caller to do: answer 404,
/// answer 409 or 400, retry later or fix the database, or upgrade pylambda.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No live function has this name (it was never deployed, or it was deleted).
    case functionNotFound(name: String)
    /// The function exists but has no such version.
    case versionNotFound(function: String, version: Int)
    case invocationNotFound(id: String)
    /// No active key with this name (bearer keys) or access key id (AWS keys).
    case keyNotFound(String)
    /// The request contradicts what is stored: a key name in use, an invocation that is no longer
    /// running, a function deleted while it was being deployed.
    case conflict(String)
    /// A value the registry refuses to store: a bad name, an oversized package, a negative limit.
    case invalidInput(String)
    /// The database cannot be used right now: unreachable, locked by another process for too long, disk
    /// full, read-only. The message names the database and what to check.
    case unavailable(String)
    /// A schema migration failed. Pending migrations are applied in one transaction, so the database
    /// is left exactly as it was.
    case migrationFailed(version: Int, reason: String)
    /// The database was migrated by a newer pylambda; this one must not write to it.
    case schemaTooNew(found: Int, supported: Int)
    /// A stored row holds something this version cannot read (edited by hand, or damaged).
    case corruptRecord(String)
    /// The store's `run()` has ended; it takes no more calls.
    case shutDown

    /// True for the cases an HTTP API answers with 404.
    public var isNotFound: Bool {
        switch self {
        case .functionNotFound, .versionNotFound, .invocationNotFound, .keyNotFound: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .functionNotFound(let name):
            return "no function named \(name)"
        case .versionNotFound(let function, let version):
            return "function \(function) has no version \(version)"
        case .invocationNotFound(let id):
            return "no invocation with id \(id)"
        case .keyNotFound(let name):
            return "no active key \(name)"
        case .conflict(let message), .invalidInput(let message):
            return message
        case .unavailable(let message):
            return "the function registry is unavailable: \(message)"
        case .migrationFailed(let version, let reason):
            return "the registry's schema migration to version \(version) failed, and the database was left as it was: \(reason)"
        case .schemaTooNew(let found, let supported):
            return "the registry database has schema version \(found), but this pylambda knows versions up to \(supported); upgrade pylambda or point it at another database"
        case .corruptRecord(let message):
            return "a stored record cannot be read: \(message)"
        case .shutDown:
            return "the function registry is shut down"
        }
    }
}
