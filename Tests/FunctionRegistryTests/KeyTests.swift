import Foundation
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    @Suite struct KeyTests {
        @Test(arguments: StoreKind.allCases)
        func bearerKeysAreStoredHashedFoundAndRevoked(kind: StoreKind) async throws {
            try await withStore(kind) { store, database in
                let secret = BearerKeySecret.generate()
                let key = try await store.createBearerKey(NewBearerKey(name: "ci", secret: secret, scope: .invoke, functionName: "fib"))
                #expect(key.name == "ci" && key.scope == .invoke && key.functionName == "fib" && key.revokedAt == nil)
                #expect(key.secretSHA256 == BearerKeySecret.sha256Hex(of: secret))
                #expect(key.matches(secret: secret))
                #expect(!key.matches(secret: secret + "x"))

                let found = try #require(try await store.bearerKey(secretSHA256: BearerKeySecret.sha256Hex(of: secret)))
                #expect(found == key)
                #expect(try await store.bearerKey(secretSHA256: BearerKeySecret.sha256Hex(of: "wrong")) == nil)
                #expect(try await store.bearerKey(secretSHA256: "not hex at all; DROP TABLE api_keys") == nil)

                // The secret itself is nowhere in the database.
                #expect(try await databaseContains(database, Array(secret.utf8)) == false)

                await #expect(throws: RegistryError.self) {
                    try await store.createBearerKey(NewBearerKey(name: "ci", secret: BearerKeySecret.generate(), scope: .admin))
                }
                let revoked = try await store.revokeBearerKey(named: "ci")
                #expect(revoked.revokedAt != nil)
                #expect(try await store.bearerKey(secretSHA256: key.secretSHA256) == nil)
                await #expect(throws: RegistryError.keyNotFound("ci")) { try await store.revokeBearerKey(named: "ci") }

                // The name is free again; the old key stays listed as revoked.
                let again = try await store.createBearerKey(NewBearerKey(name: "ci", secret: BearerKeySecret.generate(), scope: .admin))
                let all = try await store.bearerKeys()
                #expect(all.map(\.id) == [key.id, again.id])
                #expect(all.map { $0.revokedAt != nil } == [true, false])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func badKeysAreRefused(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let secret = BearerKeySecret.generate()
                let refused = [
                    NewBearerKey(name: "", secret: secret, scope: .admin),
                    NewBearerKey(name: "has space", secret: secret, scope: .admin),
                    NewBearerKey(name: "ok", secretSHA256: "ABC", scope: .admin),
                    NewBearerKey(name: "ok", secret: secret, scope: .admin, functionName: "fib"),
                    NewBearerKey(name: "ok", secret: secret, scope: .invoke, functionName: "Not A Name"),
                ]
                for key in refused {
                    await #expect(throws: RegistryError.self, "\(key)") { try await store.createBearerKey(key) }
                }
                _ = try await store.createBearerKey(NewBearerKey(name: "first", secret: secret, scope: .admin))
                // The same secret twice would make a lookup ambiguous.
                await #expect(throws: RegistryError.self) {
                    try await store.createBearerKey(NewBearerKey(name: "second", secret: secret, scope: .admin))
                }
                #expect(try await store.bearerKeys().count == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func awsAccessKeysKeepTheirSecret(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let new = NewAWSAccessKey.generate(name: "boto", scope: .invoke, functionName: "fib")
                #expect(new.accessKeyID.count == 20 && new.accessKeyID.hasPrefix("AKIA"))
                #expect(new.secretAccessKey.count == 40)
                let key = try await store.createAWSAccessKey(new)
                #expect(key.accessKeyID == new.accessKeyID && key.secretAccessKey == new.secretAccessKey)
                #expect(try await store.awsAccessKey(id: new.accessKeyID) == key)
                #expect(try await store.awsAccessKey(id: "AKIANOSUCHKEY0000000") == nil)
                await #expect(throws: RegistryError.self) { try await store.createAWSAccessKey(new) }
                await #expect(throws: RegistryError.self) {
                    try await store.createAWSAccessKey(NewAWSAccessKey(accessKeyID: "lower-case", secretAccessKey: new.secretAccessKey, name: "x", scope: .admin))
                }
                #expect(try await store.revokeAWSAccessKey(id: new.accessKeyID).revokedAt != nil)
                #expect(try await store.awsAccessKey(id: new.accessKeyID) == nil)
                await #expect(throws: RegistryError.keyNotFound(new.accessKeyID)) { try await store.revokeAWSAccessKey(id: new.accessKeyID) }
                #expect(try await store.awsAccessKeys().count == 1)
            }
        }

        @Test func generatedSecretsAreLongAndDistinct() {
            let secrets = (0..<100).map { _ in BearerKeySecret.generate() }
            #expect(Set(secrets).count == 100)
            #expect(secrets.allSatisfy { $0.hasPrefix("pl_") && $0.count == 67 })
            #expect(BearerKeySecret.sha256Hex(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        }
    }
}

/// Whether `needle` appears in the database's files (SQLite) or in any key column (PostgreSQL).
func databaseContains(_ database: TestDatabase, _ needle: [UInt8]) async throws -> Bool {
    switch database.kind {
    case .sqlite:
        let directory = URL(filePath: database.sqlitePath).deletingLastPathComponent()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let bytes = [UInt8](try Data(contentsOf: directory.appending(path: file)))
            if bytes.count >= needle.count, (0...(bytes.count - needle.count)).contains(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }) {
                return true
            }
        }
        return false
    case .postgres:
        return try await withPostgresConnection(database) { connection in
            let text = String(decoding: needle, as: UTF8.self)
            let rows = try await connection.query("SELECT count(*) FROM api_keys WHERE name = \(text) OR secret_sha256 = \(text)", logger: .init(label: "test"))
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count > 0
        }
    }
}
