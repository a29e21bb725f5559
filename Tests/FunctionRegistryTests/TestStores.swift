import Foundation
import Testing

@testable import FunctionRegistry

/// Every behavioural test runs against both stores.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh, empty registry location for one test: an SQLite file in its own temporary directory, or
/// a PostgreSQL schema of its own on the test server. Several stores made from one location share it,
/// as several serve processes would.
struct TestDatabase: Sendable {
    let kind: StoreKind
    private let sqliteDirectory: String?
    private let postgresURL: String?
    let schema: String

    /// Nil (after recording why) when the PostgreSQL server is missing and not required.
    static func fresh(_ kind: StoreKind, sourceLocation: SourceLocation = #_sourceLocation) throws -> TestDatabase? {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appending(path: "pylambda-registry-test-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            return TestDatabase(kind: kind, sqliteDirectory: directory, postgresURL: nil, schema: "")
        case .postgres:
            guard let url = TestPostgresServer.url else {
                let message = "no PostgreSQL test server (scripts/postgres-test-server.sh could not start one)"
                if TestPostgresServer.required {
                    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
                } else {
                    print("SKIPPED (set PYLAMBDA_REQUIRE_POSTGRES=1 to fail instead): \(message)")
                }
                return nil
            }
            let schema = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            return TestDatabase(kind: kind, sqliteDirectory: nil, postgresURL: url, schema: schema)
        }
    }

    var sqlitePath: String { (sqliteDirectory ?? "/nonexistent") + "/registry.sqlite" }
    var url: String { postgresURL ?? "" }

    func makeStore(_ adjust: (inout RegistryLimits) -> Void = { _ in }) throws -> any FunctionStore {
        var limits = RegistryLimits()
        adjust(&limits)
        switch kind {
        case .sqlite:
            var configuration = SQLiteStoreConfiguration(path: sqlitePath)
            configuration.limits = limits
            configuration.logger.logLevel = .warning
            // Several stores share one file in some tests; on a loaded CI machine their turns at the
            // write lock may take longer than the 5 s default. (StartupTests checks the timeout itself.)
            configuration.busyTimeout = .seconds(60)
            return SQLiteFunctionStore(configuration: configuration)
        case .postgres:
            var configuration = try PostgresStoreConfiguration(url: url)
            configuration.schema = schema
            configuration.maximumConnections = 4
            configuration.limits = limits
            configuration.logger.logLevel = .warning
            return try PostgresFunctionStore(configuration: configuration)
        }
    }

    func remove() {
        if let sqliteDirectory { try? FileManager.default.removeItem(atPath: sqliteDirectory) }
    }
}

/// Runs `body` with a running store on a fresh database, and removes the database afterwards.
func withStore(
    _ kind: StoreKind, limits: (inout RegistryLimits) -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (any FunctionStore, TestDatabase) async throws -> Void
) async throws {
    guard let database = try TestDatabase.fresh(kind, sourceLocation: sourceLocation) else { return }
    defer { database.remove() }
    try await database.makeStore(limits).withRunning { store in
        try await body(store, database)
    }
}

enum Samples {
    static let echo = "def entrypoint(data):\n    return data\n"

    static func source(_ tag: String) -> NewFunctionVersion {
        NewFunctionVersion(code: .source("# \(tag)\n" + echo))
    }

    static let instanceA = InstanceIdentity(id: "instance-a", hostname: "host-a", processID: 101)
    static let instanceB = InstanceIdentity(id: "instance-b", hostname: "host-b", processID: 202)
}

/// The registry's root suite: its trait starts the PostgreSQL server once for every suite nested in it.
@Suite(.postgresServer)
struct RegistryTests {}

extension FunctionStore {
    /// Claims the next queued call and marks it started, as serve does once the call has a runner.
    func claimAndStart(for instance: InstanceIdentity) async throws -> ClaimedInvocation? {
        guard let claimed = try await claimNextQueued(for: instance) else { return nil }
        guard try await startClaimed(id: claimed.invocation.id, by: instance) else { return nil }
        return claimed
    }

    /// A sync call recorded as running, read back: what serve's recorder writes when a call starts.
    func recordSyncStart(of version: FunctionVersion, instance: InstanceIdentity) async throws -> Invocation {
        let record = SyncInvocationRecord(startingNow: version, instance: instance)
        try await recordSyncInvocations([record])
        return try await invocation(id: record.id)
    }
}
