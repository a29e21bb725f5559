import Foundation
import PostgresNIO
import SQLiteNIO
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    @Suite struct MigrationTests {
        /// Starting again on a migrated database changes nothing and keeps the data.
        @Test(arguments: StoreKind.allCases)
        func migrationsAreIdempotent(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            try await database.makeStore().withRunning { store in
                _ = try await store.createVersion(of: "kept", Samples.source("kept"))
            }
            for _ in 0..<2 {
                try await database.makeStore().withRunning { store async throws in
                    #expect(try await store.function(named: "kept").versionCount == 1)
                }
            }
            #expect(try await appliedMigrations(database) == RegistrySchema.migrations.map(\.version))
        }

        /// Several processes starting at once on one empty database: the migration runs once, every
        /// store comes up (PostgreSQL: advisory lock; SQLite: BEGIN IMMEDIATE).
        @Test(arguments: StoreKind.allCases)
        func concurrentStartsMigrateOnce(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            let stores = try (0..<4).map { _ in try database.makeStore() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        try await store.withRunning { store in
                            _ = try await store.createVersion(of: "f\(index)", Samples.source("\(index)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await appliedMigrations(database) == RegistrySchema.migrations.map(\.version))
            try await database.makeStore().withRunning { store async throws in
                #expect(try await store.listFunctions(limit: 10, after: nil).functions.map(\.name) == ["f0", "f1", "f2", "f3"])
            }
        }

        /// A database migrated by a newer pylambda is left alone, with a message that says so.
        @Test(arguments: StoreKind.allCases)
        func aNewerSchemaIsRefused(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            try await database.makeStore().withRunning { _ in }
            let future = RegistrySchema.latestVersion + 1
            try await execute(database, "INSERT INTO schema_migrations (version, applied_at) VALUES (\(future), 0)", postgres: "INSERT INTO schema_migrations (version, applied_at) VALUES (\(future), now())")
            let store = try database.makeStore()
            await #expect(throws: RegistryError.schemaTooNew(found: future, supported: RegistrySchema.latestVersion)) {
                try await store.withRunning { _ in }
            }
            await #expect(throws: RegistryError.schemaTooNew(found: future, supported: RegistrySchema.latestVersion)) {
                try await store.waitUntilReady()
            }
        }
    }
}

/// Reads `schema_migrations` with the backend's own client, not through the store.
func appliedMigrations(_ database: TestDatabase) async throws -> [Int] {
    switch database.kind {
    case .sqlite:
        let connection = try await SQLiteConnection.open(storage: .file(path: database.sqlitePath))
        defer { Task { try? await connection.close() } }
        return try await connection.query("SELECT version FROM schema_migrations ORDER BY version").map { $0.column("version")?.integer ?? -1 }
    case .postgres:
        return try await withPostgresConnection(database) { connection in
            var versions: [Int] = []
            for try await version in try await connection.query("SELECT version FROM schema_migrations ORDER BY version", logger: Logger(label: "test")).decode(Int.self) {
                versions.append(version)
            }
            return versions
        }
    }
}

/// Runs raw SQL on the test database, behind the store's back.
func execute(_ database: TestDatabase, _ sqlite: String, postgres: String) async throws {
    switch database.kind {
    case .sqlite:
        let connection = try await SQLiteConnection.open(storage: .file(path: database.sqlitePath))
        _ = try await connection.query(sqlite)
        try await connection.close()
    case .postgres:
        try await withPostgresConnection(database) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: postgres), logger: Logger(label: "test"))
        }
    }
}

@discardableResult
func withPostgresConnection<Result: Sendable>(
    _ database: TestDatabase, _ body: (PostgresConnection) async throws -> Result
) async throws -> Result {
    let url = try PostgresURL(database.url)
    guard case .unixSocket(let path) = url.endpoint else { throw RegistryError.invalidInput("the test server listens on a Unix socket") }
    var configuration = PostgresConnection.Configuration(unixSocketPath: path, username: url.username, password: nil, database: url.database)
    configuration.options.additionalStartupParameters = [("search_path", database.schema)]
    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
    do {
        let result = try await body(connection)
        try await connection.close()
        return result
    } catch {
        try? await connection.close()
        throw error
    }
}
