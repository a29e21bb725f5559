import PostgresNIO

/// postgres-nio's errors as registry errors. PSQLError's own description is deliberately vague (it
/// might carry data); these messages take the server's message and SQLSTATE, and the endpoint
/// without its password.
enum PostgresErrorMapping {
    static func registryError(for error: any Error, endpoint: String) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if error is CancellationError { return .unavailable("the call was cancelled") }
        if error is PostgresDecodingError { return .corruptRecord("a PostgreSQL value could not be decoded: \(String(reflecting: error))") }
        guard let error = error as? PSQLError else {
            // Among others the pool's "circuit breaker tripped": no connection could be made for a minute.
            return .unavailable("PostgreSQL at \(endpoint) cannot be used (\(error)); check that the server runs and accepts this user")
        }
        if let state = sqlState(of: error) {
            let message = error.serverInfo?[.message] ?? "no message"
            switch state {
            case "23505", "23503", "23514", "23502":
                return .conflict("the registry refused the change: \(message)")
            case "28000", "28P01":
                return .unavailable("PostgreSQL at \(endpoint) refused the login: \(message); check the user and password in the URL")
            case "3D000":
                return .unavailable("PostgreSQL at \(endpoint): \(message); create the database first (createdb)")
            case "53100":
                return .unavailable("PostgreSQL at \(endpoint) is out of disk space: \(message)")
            case "57P01", "57P02", "57P03":
                return .unavailable("PostgreSQL at \(endpoint) is shutting down or starting: \(message); retry later")
            case "42501":
                return .unavailable("PostgreSQL at \(endpoint): \(message); grant the user the rights on the database and schema")
            default:
                return .unavailable("PostgreSQL at \(endpoint) answered SQLSTATE \(state): \(message)")
            }
        }
        let cause = error.underlying.map { ": \($0)" } ?? ""
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return .unavailable("cannot talk to PostgreSQL at \(endpoint) (\(error.code))\(cause); check that the server runs and the URL is right")
        case .poolClosed:
            return .shutDown
        case .sslUnsupported:
            return .unavailable("PostgreSQL at \(endpoint) does not offer TLS, which sslmode asks for\(cause)")
        case .authMechanismRequiresPassword:
            return .unavailable("PostgreSQL at \(endpoint) asks for a password; put it in the URL\(cause)")
        default:
            return .unavailable("PostgreSQL at \(endpoint): \(error.code)\(cause)")
        }
    }

    /// Serialization failures and deadlocks: the transaction was rolled back and may simply be retried.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = sqlState(of: error) else { return false }
        return state == "40001" || state == "40P01"
    }

    private static func sqlState(of error: PSQLError) -> String? {
        error.code == .server ? error.serverInfo?[.sqlState] : nil
    }
}
