import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// The PostgreSQL side of `SQLDatabase`: a `PostgresClient` pool for calls, and one connection of its
/// own for the migration at start. Every connection starts with `search_path` set to the registry's
/// schema, so the shared SQL names tables without qualifying them.
final class PostgresRegistryDatabase: SQLDatabase {
    let dialect = SQLDialect.postgres
    let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    private let logger: Logger

    init(configuration: PostgresStoreConfiguration) throws(RegistryError) {
        try PostgresStoreConfiguration.validate(schema: configuration.schema)
        self.configuration = configuration
        logger = configuration.logger
        client = PostgresClient(configuration: try Self.clientConfiguration(configuration), backgroundLogger: configuration.logger)
    }

    private var endpoint: String { configuration.parsedURL.redacted }

    /// Creates the schema if missing and applies pending migrations, in one transaction holding an
    /// advisory lock: processes starting together take turns, and the later ones find nothing to do.
    func migrate() async throws(RegistryError) {
        let connection: PostgresConnection
        do {
            connection = try await connectOutsideThePool(as: "pylambda registry migration")
        } catch {
            throw registryError(for: error)
        }
        let executor = PostgresExecutor(connection: connection, logger: logger)
        let schema = configuration.schema
        do {
            _ = try await executor.query("BEGIN")
            _ = try await executor.query("SELECT 1 FROM pg_advisory_xact_lock(hashtext($1))", .text("pylambda registry migration: " + schema))
            // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE right even when the schema exists.
            if try await executor.first("SELECT 1 FROM pg_namespace WHERE nspname = $1", .text(schema)) == nil {
                _ = try await executor.query("CREATE SCHEMA \"\(schema)\"")
            }
            _ = try await executor.query("SET LOCAL search_path TO \"\(schema)\"")
            _ = try await RegistrySchema.migrate(executor, dialect: .postgres)
            _ = try await executor.query("COMMIT")
            try? await connection.close()
        } catch {
            _ = try? await executor.query("ROLLBACK")
            try? await connection.close()
            if let failure = error as? RegistrySchema.MigrationFailure {
                throw .migrationFailed(version: failure.version, reason: "\(registryError(for: failure.underlying))")
            }
            throw registryError(for: error)
        }
    }

    /// A connection of its own, outside the pool, for the migration and the change listener;
    /// `pg_stat_activity` shows it as `applicationName`.
    func connectOutsideThePool(as applicationName: String) async throws -> PostgresConnection {
        var connection = try Self.connectionConfiguration(configuration)
        connection.options.additionalStartupParameters.append(("application_name", applicationName))
        return try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger)
    }

    /// The channel that changes are announced on: the registry's schema, whose name is validated.
    var changeChannel: String? { configuration.schema }

    func read<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            try await body(PostgresExecutor(connection: connection, logger: logger))
        }
    }

    func transaction<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    let executor = PostgresExecutor(connection: connection, logger: logger)
                    _ = try await executor.query("BEGIN", [])
                    do {
                        let result = try await body(executor)
                        _ = try await executor.query("COMMIT", [])
                        return result
                    } catch {
                        _ = try? await executor.query("ROLLBACK", [])
                        throw error
                    }
                }
            } catch where attempt < 3 && PostgresErrorMapping.isRetryable(error) {
                // A deadlock victim or serialization failure: rolled back whole, safe to run again.
                attempt += 1
            }
        }
    }

    func singleStatementWrite<Result: Sendable>(_ body: (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await read(body)
    }

    func registryError(for error: any Error) -> RegistryError {
        PostgresErrorMapping.registryError(for: error, endpoint: endpoint)
    }

    // MARK: Configuration

    private static func clientConfiguration(_ configuration: PostgresStoreConfiguration) throws(RegistryError) -> PostgresClient.Configuration {
        let url = configuration.parsedURL
        var client: PostgresClient.Configuration
        switch url.endpoint {
        case .tcp(let host, let port):
            client = PostgresClient.Configuration(
                host: host, port: port, username: url.username, password: url.password, database: url.database,
                tls: try clientTLS(url.tlsMode))
        case .unixSocket(let path):
            client = PostgresClient.Configuration(unixSocketPath: path, username: url.username, password: url.password, database: url.database)
        }
        client.options.maximumConnections = max(1, configuration.maximumConnections)
        client.options.connectTimeout = configuration.connectTimeout
        client.options.additionalStartupParameters = [("search_path", "\"\(configuration.schema)\""), ("application_name", "pylambda serve")]
        return client
    }

    private static func connectionConfiguration(_ configuration: PostgresStoreConfiguration) throws -> PostgresConnection.Configuration {
        let url = configuration.parsedURL
        var connection: PostgresConnection.Configuration
        switch url.endpoint {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS =
                switch (url.tlsMode, try tlsConfiguration(url.tlsMode)) {
                case (_, nil): .disable
                case (.allow, let tls?), (.prefer, let tls?): .prefer(try NIOSSLContext(configuration: tls))
                case (_, let tls?): .require(try NIOSSLContext(configuration: tls))
                }
            connection = PostgresConnection.Configuration(
                host: host, port: port, username: url.username, password: url.password, database: url.database, tls: tls)
        case .unixSocket(let path):
            connection = PostgresConnection.Configuration(unixSocketPath: path, username: url.username, password: url.password, database: url.database)
        }
        let timeout = configuration.connectTimeout.components
        connection.options.connectTimeout = .milliseconds(timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000)
        connection.options.additionalStartupParameters = [("search_path", "\"\(configuration.schema)\"")]
        return connection
    }

    private static func clientTLS(_ mode: PostgresURL.TLSMode) throws(RegistryError) -> PostgresClient.Configuration.TLS {
        switch (mode, try tlsConfiguration(mode)) {
        case (_, nil): .disable
        case (.allow, let tls?), (.prefer, let tls?): .prefer(tls)
        case (_, let tls?): .require(tls)
        }
    }

    /// libpq's meaning of each mode: `prefer` and `require` encrypt but do not check the certificate.
    private static func tlsConfiguration(_ mode: PostgresURL.TLSMode) throws(RegistryError) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return nil
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return tls
    }
}
