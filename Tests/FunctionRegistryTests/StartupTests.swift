import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    /// A store that cannot start says why, to its `run()` and to every caller, and never hangs.
    @Suite struct StartupTests {
        @Test func unreachablePostgresFailsStartAndCalls() async throws {
            var configuration = try PostgresStoreConfiguration(url: "postgres://nobody@/nowhere?host=/nonexistent-pylambda-directory")
            configuration.connectTimeout = .seconds(2)
            let store = try PostgresFunctionStore(configuration: configuration)
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                await #expect {
                    try await store.version(of: "fib", number: nil)
                } throws: { error in
                    guard case .unavailable(let message) = error as? RegistryError else { return false }
                    return message.contains("/nonexistent-pylambda-directory")
                }
                await #expect(throws: RegistryError.self) { try await group.next() }
            }
            await #expect(throws: RegistryError.self) { try await store.waitUntilReady() }
        }

        @Test func sqliteInAMissingDirectoryFailsStart() async throws {
            let store = SQLiteFunctionStore(configuration: SQLiteStoreConfiguration(path: "/nonexistent-pylambda-directory/registry.sqlite"))
            await #expect {
                try await store.withRunning { _ in }
            } throws: { error in
                guard case .unavailable(let message) = error as? RegistryError else { return false }
                return message.contains("/nonexistent-pylambda-directory/registry.sqlite")
            }
        }

        @Test func sqliteFileIsPrivateAndLinksAreRefused() async throws {
            let directory = FileManager.default.temporaryDirectory.appending(path: "pylambda-registry-mode-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appending(path: "registry.sqlite").path
            try await SQLiteFunctionStore(configuration: SQLiteStoreConfiguration(path: path)).withRunning { _ in }
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let link = directory.appending(path: "link.sqlite").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
            await #expect(throws: RegistryError.self) {
                try await SQLiteFunctionStore(configuration: SQLiteStoreConfiguration(path: link)).withRunning { _ in }
            }
        }

        @Test func aFileThatIsNotADatabaseIsReported() async throws {
            let directory = FileManager.default.temporaryDirectory.appending(path: "pylambda-registry-junk-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appending(path: "registry.sqlite").path
            try Data(repeating: 0x41, count: 8192).write(to: URL(filePath: path))
            await #expect {
                try await SQLiteFunctionStore(configuration: SQLiteStoreConfiguration(path: path)).withRunning { _ in }
            } throws: { error in
                guard case .unavailable(let message) = error as? RegistryError else { return false }
                return message.contains("not an SQLite database")
            }
        }

        /// `run()` returns soon after it is cancelled while serving (a cancellation during the
        /// migration is not covered here). PostgreSQL's pool and change listener were cancelled
        /// together, and the listener's probe, in flight on a pool shutting down, was never
        /// answered: `run()` (and a test suite, once in a few dozen starts) hung.
        @Test(arguments: StoreKind.allCases)
        func runEndsWhenCancelledAtAnyMoment(kind: StoreKind) async throws {
            for round in 0..<150 {
                guard let database = try TestDatabase.fresh(kind) else { return }
                defer { database.remove() }
                let store = try database.makeStore()
                let ended = try await Self.endsSoon(store, running: { try await store.run() }, stoppedBy: { $0.cancel() })
                guard ended else { Issue.record("round \(round): run() had not returned 10 s after it was cancelled"); return }
            }
        }

        /// The same through serve's own stop: a service group's graceful shutdown (which the pool, run
        /// in a plain `Task`, also heard at once, and stopped under the listener's probe).
        @Test(arguments: StoreKind.allCases)
        func runEndsOnGracefulShutdown(kind: StoreKind) async throws {
            for round in 0..<60 {
                guard let database = try TestDatabase.fresh(kind) else { return }
                defer { database.remove() }
                let store = try database.makeStore()
                let group = ServiceGroup(services: [store], logger: Logger(label: "test"))
                let ended = try await Self.endsSoon(store, running: { try await group.run() }, stoppedBy: { _ in await group.triggerGracefulShutdown() })
                guard ended else { Issue.record("round \(round): the store had not stopped 10 s after a graceful shutdown"); return }
            }
        }

        /// Runs `running`, makes one call once the store is ready, stops it with `stoppedBy`, and says
        /// whether `running` returned within 10 s (if not, it is cancelled and left).
        private static func endsSoon(
            _ store: any FunctionStore, running: @escaping @Sendable () async throws -> Void,
            stoppedBy stop: (Task<Void, Never>) async -> Void
        ) async throws -> Bool {
            let ended = Flag()
            let task = Task {
                try? await running()
                ended.set()
            }
            try await store.waitUntilReady()
            _ = try? await store.function(named: "absent")
            await stop(task)
            let deadline = ContinuousClock.now + .seconds(10)
            while !ended.isSet && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            if !ended.isSet { task.cancel() }
            return ended.isSet
        }

        @Test(arguments: StoreKind.allCases)
        func callsAfterShutdownFailAtOnce(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            let store = try database.makeStore()
            try await store.withRunning { store in
                _ = try await store.createVersion(of: "fib", Samples.source("fib"))
            }
            await #expect(throws: RegistryError.shutDown) { try await store.function(named: "fib") }
            await #expect(throws: RegistryError.self) { try await store.run() }
        }

        /// Another process holding SQLite's write lock makes writes fail after the busy timeout with a
        /// message that says so, rather than wait forever.
        @Test func aLockedSQLiteFileTimesOutClearly() async throws {
            guard let database = try TestDatabase.fresh(.sqlite) else { return }
            defer { database.remove() }
            var configuration = SQLiteStoreConfiguration(path: database.sqlitePath)
            configuration.busyTimeout = .milliseconds(200)
            try await SQLiteFunctionStore(configuration: configuration).withRunning { store in
                try await withLockedSQLite(database.sqlitePath) {
                    await #expect {
                        try await store.createVersion(of: "blocked", Samples.source("blocked"))
                    } throws: { error in
                        guard case .unavailable(let message) = error as? RegistryError else { return false }
                        return message.contains("locked")
                    }
                }
                _ = try await store.createVersion(of: "free", Samples.source("free"))
            }
        }
    }
}

/// Set once, read from any task.
private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
