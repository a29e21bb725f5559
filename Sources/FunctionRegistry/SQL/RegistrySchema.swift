/// The registry's tables, as numbered migrations applied in order at start.
///
/// Migrations are append-only: a released one is never edited, a change is a new one. Each is written
/// once for both databases with type tokens (`{serial}`, `{time}`, ...) that `SQLDialect` expands.
/// Timestamps are `timestamptz` in PostgreSQL and integer microseconds in SQLite; booleans are 0/1 in
/// SQLite. Code and payload bytes live apart from the rows that are listed often (`function_code`) or
/// at the end of the row (`invocations.input`, `result`), so that reading metadata never reads them.
enum RegistrySchema {
    struct Migration: Sendable {
        var version: Int
        var statements: [String]
    }

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, statements: [
            """
            CREATE TABLE functions (
                id {serial},
                name TEXT NOT NULL,
                created_at {time} NOT NULL,
                latest_version {int} NOT NULL DEFAULT 0,
                deleted_at {time}
            )
            """,
            // A name is unique among live functions only: a deleted name can be deployed again, as a
            // new function with a new id whose versions start at 1.
            "CREATE UNIQUE INDEX functions_live_name ON functions (name) WHERE deleted_at IS NULL",
            """
            CREATE TABLE function_versions (
                function_id {int} NOT NULL REFERENCES functions (id),
                version {int} NOT NULL,
                created_at {time} NOT NULL,
                code_sha256 TEXT NOT NULL,
                code_size {int} NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('source', 'zip')),
                handler TEXT NOT NULL,
                dependency_set_key TEXT,
                requirements TEXT,
                memory_mb {int} NOT NULL,
                timeout_s {double} NOT NULL,
                concurrency {int} NOT NULL,
                environment TEXT NOT NULL,
                runtime TEXT NOT NULL CHECK (runtime IN ('runc', 'runsc')),
                description TEXT NOT NULL,
                published {bool} NOT NULL,
                PRIMARY KEY (function_id, version)
            )
            """,
            """
            CREATE TABLE function_code (
                function_id {int} NOT NULL,
                version {int} NOT NULL,
                code {bytes} NOT NULL,
                PRIMARY KEY (function_id, version),
                FOREIGN KEY (function_id, version) REFERENCES function_versions (function_id, version) ON DELETE CASCADE
            )
            """,
            // `seq` orders records (newest first, queue in arrival order); `id` is what users see.
            """
            CREATE TABLE invocations (
                seq {serial},
                id TEXT NOT NULL UNIQUE,
                function_id {int} NOT NULL REFERENCES functions (id),
                function_name TEXT NOT NULL,
                version {int} NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('sync', 'async')),
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'interrupted', 'cancelled')),
                created_at {time} NOT NULL,
                started_at {time},
                finished_at {time},
                duration_ms {double},
                error_type TEXT,
                error_message TEXT,
                log_tail TEXT,
                instance TEXT,
                result {bytes},
                input {bytes}
            )
            """,
            "CREATE INDEX invocations_by_function ON invocations (function_id, seq)",
            "CREATE INDEX invocations_by_function_status ON invocations (function_id, status)",
            "CREATE INDEX invocations_queued ON invocations (seq) WHERE status = 'queued'",
            "CREATE INDEX invocations_running ON invocations (instance) WHERE status = 'running'",
            """
            CREATE TABLE api_keys (
                id {serial},
                name TEXT NOT NULL,
                secret_sha256 TEXT NOT NULL UNIQUE,
                scope TEXT NOT NULL CHECK (scope IN ('admin', 'invoke')),
                function_name TEXT,
                created_at {time} NOT NULL,
                revoked_at {time}
            )
            """,
            "CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL",
            """
            CREATE TABLE aws_access_keys (
                access_key_id TEXT PRIMARY KEY,
                secret_access_key TEXT NOT NULL,
                name TEXT NOT NULL,
                scope TEXT NOT NULL CHECK (scope IN ('admin', 'invoke')),
                function_name TEXT,
                created_at {time} NOT NULL,
                revoked_at {time}
            )
            """,
            "CREATE UNIQUE INDEX aws_access_keys_active_name ON aws_access_keys (name) WHERE revoked_at IS NULL",
            """
            CREATE TABLE instances (
                id TEXT PRIMARY KEY,
                hostname TEXT NOT NULL,
                process_id {int} NOT NULL,
                started_at {time} NOT NULL,
                heartbeat_at {time} NOT NULL
            )
            """,
        ]),
        // Whether a queued call named its version (a Lambda qualifier, `?version=N`): its Lambda
        // context then says that number, and `$LATEST` otherwise, as on Lambda.
        Migration(version: 2, statements: [
            "ALTER TABLE invocations ADD COLUMN pinned {bool} NOT NULL DEFAULT FALSE",
        ]),
    ]

    /// Applies the pending migrations through `executor`, which must hold the database's migration
    /// lock and be inside a transaction: either all pending migrations land, or none.
    static func migrate(_ executor: any SQLExecutor, dialect: SQLDialect) async throws -> Int {
        try await executor.query(
            dialect.expandTypes("CREATE TABLE IF NOT EXISTS schema_migrations (version {int} PRIMARY KEY, applied_at {time} NOT NULL)"))
        let current = try await executor.first("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")?.int(0) ?? 0
        guard current <= latestVersion else {
            throw RegistryError.schemaTooNew(found: current, supported: latestVersion)
        }
        for migration in migrations where migration.version > current {
            do {
                for statement in migration.statements {
                    try await executor.query(dialect.expandTypes(statement))
                }
                try await executor.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, {now})", .int(migration.version))
            } catch {
                throw MigrationFailure(version: migration.version, underlying: error)
            }
        }
        return latestVersion
    }

    /// A migration's statement failed; the caller maps `underlying` with its backend's error mapping.
    struct MigrationFailure: Error {
        var version: Int
        var underlying: any Error
    }
}

extension SQLDialect {
    /// The column types of `RegistrySchema`'s tokens in this database.
    func expandTypes(_ statement: String) -> String {
        let types: [(String, String)] =
            switch self {
            case .postgres:
                [("{serial}", "BIGSERIAL PRIMARY KEY"), ("{int}", "BIGINT"), ("{time}", "TIMESTAMPTZ"),
                 ("{bytes}", "BYTEA"), ("{bool}", "BOOLEAN"), ("{double}", "DOUBLE PRECISION")]
            case .sqlite:
                // AUTOINCREMENT: ids are never reused, even after the newest row is deleted.
                [("{serial}", "INTEGER PRIMARY KEY AUTOINCREMENT"), ("{int}", "INTEGER"), ("{time}", "INTEGER"),
                 ("{bytes}", "BLOB"), ("{bool}", "INTEGER"), ("{double}", "REAL")]
            }
        var expanded = statement
        for (token, type) in types {
            expanded = expanded.replacing(token, with: type)
        }
        return expanded
    }
}
