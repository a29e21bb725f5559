import Foundation
import Synchronization
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    @Suite struct QueueConcurrencyTests {
        /// 200 queued calls, 4 claimers spread over two stores (two serve processes on one database):
        /// every call is handed out exactly once, and every claimer's view agrees with the database.
        @Test(arguments: StoreKind.allCases)
        func concurrentClaimsNeverHandOutACallTwice(kind: StoreKind) async throws {
            guard let database = try TestDatabase.fresh(kind) else { return }
            defer { database.remove() }
            try await database.makeStore().withRunning { first in
                try await database.makeStore().withRunning { second in
                    let versions = [
                        try await first.createVersion(of: "left", Samples.source("left")).version,
                        try await second.createVersion(of: "right", Samples.source("right")).version,
                    ]
                    var queued: Set<String> = []
                    for index in 0..<200 {
                        let store: any FunctionStore = index.isMultiple(of: 2) ? first : second
                        queued.insert(try await store.enqueueAsync(of: versions[index % 2], input: Array("\(index)".utf8)).id)
                    }
                    #expect(try await first.queueDepth() == 200)

                    let claimers: [(any FunctionStore, InstanceIdentity)] = (0..<4).map { index in
                        (index < 2 ? first : second, InstanceIdentity(id: "claimer-\(index)", hostname: "h", processID: Int32(index)))
                    }
                    let claims = try await withThrowingTaskGroup(of: (String, [ClaimedInvocation]).self) { group in
                        for (store, instance) in claimers {
                            group.addTask {
                                var mine: [ClaimedInvocation] = []
                                while let claimed = try await store.claimNextQueued(for: instance) {
                                    mine.append(claimed)
                                    #expect(try await store.startClaimed(id: claimed.invocation.id, by: instance))
                                    // Finish some right away, as a worker would, so claims and finishes interleave.
                                    if mine.count.isMultiple(of: 3) {
                                        _ = try await store.finishRunning(id: claimed.invocation.id, outcome: .succeeded(durationMS: 0))
                                    }
                                }
                                return (instance.id, mine)
                            }
                        }
                        return try await group.reduce(into: [(String, [ClaimedInvocation])]()) { $0.append($1) }
                    }
                    let all = claims.flatMap(\.1)
                    #expect(all.count == 200)
                    #expect(Set(all.map(\.invocation.id)) == queued)
                    #expect(Set(all.map { String(decoding: $0.input, as: UTF8.self) }) == Set((0..<200).map(String.init)))
                    for (instance, mine) in claims {
                        #expect(mine.allSatisfy { $0.invocation.instance == instance && $0.invocation.status == .queued })
                    }
                    #expect(try await first.queueDepth() == 0)
                    #expect(try await second.claimNextQueued(for: Samples.instanceA) == nil)
                }
            }
        }
    }
}
