import Crypto
import Foundation
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    @Suite struct FunctionVersionTests {
        @Test(arguments: StoreKind.allCases)
        func deployCreatesTheFunctionThenAddsVersions(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                var settings = FunctionSettings(memoryMB: 128, timeoutSeconds: 2.5, concurrency: 3, environment: ["A": "1", "B": "two"], runtime: .runsc)
                let first = try await store.createVersion(
                    of: "fib", NewFunctionVersion(code: .source(Samples.echo), settings: settings, description: "first"))
                #expect(first.isNewFunction)
                #expect(first.version.version == 1)
                #expect(first.version.functionName == "fib")
                #expect(first.version.codeSHA256 == Hex.encode(SHA256.hash(data: Array(Samples.echo.utf8))))
                #expect(first.version.codeSize == Samples.echo.utf8.count)
                #expect(first.version.kind == .source)
                #expect(first.version.settings == settings)
                #expect(first.version.description == "first")
                #expect(!first.version.published)

                settings.memoryMB = 512
                let zip: [UInt8] = [0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x00, 0x7f]
                let second = try await store.createVersion(
                    of: "fib",
                    NewFunctionVersion(code: .zipPackage(zip), handler: "main.entrypoint", dependencySetKey: "abc123",
                                       requirements: "numpy==2.0\n", settings: settings))
                #expect(!second.isNewFunction)
                #expect(second.version.version == 2)
                #expect(second.version.functionID == first.version.functionID)
                #expect(second.version.kind == .zipPackage)
                #expect(second.version.handler == "main.entrypoint")
                #expect(second.version.dependencySetKey == "abc123")
                #expect(second.version.requirements == "numpy==2.0\n")

                // The latest is what new calls get; older versions stay as they were.
                #expect(try await store.version(of: "fib", number: nil) == second.version)
                #expect(try await store.version(of: "fib", number: 1) == first.version)
                #expect(try await store.code(of: first.version) == .source(Samples.echo))
                #expect(try await store.code(of: second.version) == .zipPackage(zip))
                #expect(try await store.versions(of: "fib").map(\.version) == [2, 1])

                let record = try await store.function(named: "fib")
                #expect(record.id == first.version.functionID)
                #expect(record.latest == second.version)
                #expect(record.versionCount == 2)
                #expect(record.invocationCounts == [:])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func unknownFunctionsAndVersionsAreNotFound(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                await #expect(throws: RegistryError.functionNotFound(name: "nope")) { try await store.function(named: "nope") }
                await #expect(throws: RegistryError.functionNotFound(name: "nope")) { try await store.version(of: "nope", number: nil) }
                await #expect(throws: RegistryError.functionNotFound(name: "nope")) { try await store.versions(of: "nope") }
                await #expect(throws: RegistryError.functionNotFound(name: "nope")) { try await store.deleteFunction(named: "nope") }
                _ = try await store.createVersion(of: "one", Samples.source("one"))
                await #expect(throws: RegistryError.versionNotFound(function: "one", version: 7)) {
                    try await store.version(of: "one", number: 7)
                }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func badInputIsRefusedWithAClearError(kind: StoreKind) async throws {
            try await withStore(kind, limits: { $0.maxCodeBytes = 100 }) { store, _ in
                for name in ["", "Fib", "-x", "a b", "a/b", String(repeating: "a", count: 65), "naïve", "a\u{0}"] {
                    await #expect(throws: RegistryError.self, "name \(String(reflecting: name))") {
                        try await store.createVersion(of: name, Samples.source("x"))
                    }
                }
                _ = try await store.createVersion(of: String(repeating: "a", count: 64), Samples.source("longest name"))
                let refused: [(String, NewFunctionVersion)] = [
                    ("empty code", NewFunctionVersion(code: .source(""))),
                    ("code over the limit", NewFunctionVersion(code: .zipPackage([UInt8](repeating: 1, count: 101)))),
                    ("handler", NewFunctionVersion(code: .source(Samples.echo), handler: "main.")),
                    ("handler digit", NewFunctionVersion(code: .source(Samples.echo), handler: "1abc")),
                    ("memory", NewFunctionVersion(code: .source(Samples.echo), settings: FunctionSettings(memoryMB: 0))),
                    ("timeout", NewFunctionVersion(code: .source(Samples.echo), settings: FunctionSettings(timeoutSeconds: .nan))),
                    ("concurrency", NewFunctionVersion(code: .source(Samples.echo), settings: FunctionSettings(concurrency: -1))),
                    ("env name", NewFunctionVersion(code: .source(Samples.echo), settings: FunctionSettings(environment: ["A=B": "x"]))),
                    ("env NUL", NewFunctionVersion(code: .source(Samples.echo), settings: FunctionSettings(environment: ["A": "x\u{0}y"]))),
                    ("description NUL", NewFunctionVersion(code: .source(Samples.echo), description: "a\u{0}b")),
                    ("dependency key", NewFunctionVersion(code: .source(Samples.echo), dependencySetKey: "../etc")),
                ]
                for (what, version) in refused {
                    await #expect(throws: RegistryError.self, "\(what)") { try await store.createVersion(of: "bad", version) }
                }
                // Nothing of the refused deploys was stored.
                await #expect(throws: RegistryError.functionNotFound(name: "bad")) { try await store.function(named: "bad") }
                await #expect(throws: RegistryError.self) { try await store.listFunctions(limit: 0, after: nil) }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func environmentAndTextRoundTripExactly(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let environment = ["QUOTE": "\"'\\", "UNICODE": "ünïcödé ✓ 𝄞", "EMPTY": "", "NEWLINE": "a\nb", "lower_case": "$HOME"]
                let source = "# ünïcödé ✓ $1 ?1 {now}\n" + Samples.echo
                let created = try await store.createVersion(
                    of: "text", NewFunctionVersion(code: .source(source), settings: FunctionSettings(environment: environment),
                                                   description: "it's \"quoted\" and $1 ?2 {now}"))
                let read = try await store.version(of: "text", number: 1)
                #expect(read == created.version)
                #expect(read.settings.environment == environment)
                #expect(read.description == "it's \"quoted\" and $1 ?2 {now}")
                #expect(try await store.code(of: read) == .source(source))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func listFunctionsPagesInNameOrder(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let names = ["delta", "alpha", "echo", "charlie", "bravo"]
                for name in names { _ = try await store.createVersion(of: name, Samples.source(name)) }
                _ = try await store.createVersion(of: "bravo", Samples.source("bravo 2"))
                _ = try await store.deleteFunction(named: "charlie")

                var seen: [String] = []
                var marker: String?
                var pages = 0
                repeat {
                    let page = try await store.listFunctions(limit: 2, after: marker)
                    seen += page.functions.map(\.name)
                    #expect(page.functions.allSatisfy { $0.invocationCounts == nil })
                    marker = page.nextMarker
                    pages += 1
                } while marker != nil && pages < 10
                #expect(seen == ["alpha", "bravo", "delta", "echo"])
                #expect(pages == 2)
                let all = try await store.listFunctions(limit: 100, after: nil)
                #expect(all.nextMarker == nil)
                #expect(all.functions.first { $0.name == "bravo" }?.latest.version == 2)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func publishMarksTheLatestVersion(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                _ = try await store.createVersion(of: "pub", Samples.source("1"))
                _ = try await store.createVersion(of: "pub", Samples.source("2"))
                #expect(try await store.versions(of: "pub", publishedOnly: true).isEmpty)
                let published = try await store.publishLatestVersion(of: "pub")
                #expect(published.version == 2)
                #expect(published.published)
                _ = try await store.createVersion(of: "pub", Samples.source("3"))
                #expect(try await store.versions(of: "pub", publishedOnly: true).map(\.version) == [2])
                #expect(try await store.versions(of: "pub").map(\.published) == [false, true, false])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func deleteThenRedeployStartsAgainAtVersionOneWithANewID(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let old = try await store.createVersion(of: "phoenix", Samples.source("old 1"))
                let oldSecond = try await store.createVersion(of: "phoenix", Samples.source("old 2"))
                let oldCall = try await store.recordSyncStart(of: oldSecond.version, instance: Samples.instanceA)
                _ = try await store.finishRunning(id: oldCall.id, outcome: .succeeded(durationMS: 1))
                let deleted = try await store.deleteFunction(named: "phoenix")
                #expect(deleted.id == old.version.functionID)

                await #expect(throws: RegistryError.functionNotFound(name: "phoenix")) { try await store.function(named: "phoenix") }
                await #expect(throws: RegistryError.versionNotFound(function: "phoenix", version: 2)) { try await store.code(of: oldSecond.version) }

                let reborn = try await store.createVersion(of: "phoenix", Samples.source("new 1"))
                #expect(reborn.isNewFunction)
                #expect(reborn.version.version == 1)
                #expect(reborn.version.functionID != old.version.functionID)
                #expect(try await store.function(named: "phoenix").versionCount == 1)

                // The old record stays readable and is not mistaken for one of the new function.
                let record = try await store.invocation(id: oldCall.id)
                #expect(record.functionID == old.version.functionID)
                #expect(record.status == .succeeded)
                #expect(try await store.latestInvocations(of: "phoenix", limit: 10).isEmpty)
                #expect(try await store.function(named: "phoenix").invocationCounts == [:])
            }
        }

        /// Sixteen deploys of one new name at once, through two stores (two processes): one creates
        /// the function, every deploy gets its own number, none is lost.
        @Test(arguments: StoreKind.allCases)
        func concurrentDeploysGetDistinctConsecutiveVersions(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            try await database.makeStore().withRunning { first in
                try await database.makeStore().withRunning { second in
                    let created = try await withThrowingTaskGroup(of: CreatedVersion.self) { group in
                        for index in 0..<16 {
                            let store: any FunctionStore = index.isMultiple(of: 2) ? first : second
                            group.addTask { try await store.createVersion(of: "race", Samples.source("deploy \(index)")) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(created.map(\.version.version).sorted() == Array(1...16))
                    #expect(created.filter(\.isNewFunction).count == 1)
                    #expect(Set(created.map(\.version.functionID)).count == 1)
                    let stored = try await first.versions(of: "race")
                    #expect(stored.map(\.version) == Array((1...16).reversed()))
                    // Each number holds the code of the deploy that got it.
                    for version in created.map(\.version) {
                        #expect(try await second.code(of: version).bytes.count == version.codeSize)
                    }
                }
            }
        }
    }
}
