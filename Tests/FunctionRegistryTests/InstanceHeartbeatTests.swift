import Foundation
import Testing

@testable import FunctionRegistry

extension RegistryTests {
    @Suite struct InstanceHeartbeatTests {
        /// On one host, an instance whose process is gone and that missed a beat is declared gone at
        /// once; one whose process lives, or that lives on another host, waits for `staleAfter`.
        @Test(arguments: StoreKind.allCases)
        func deadProcessesOnThisHostAreNoticedEarly(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "beat", Samples.source("beat")).version
                let me = InstanceIdentity(id: "me", hostname: "this-host", processID: getpid())
                let dead = InstanceIdentity(id: "dead", hostname: "this-host", processID: Self.unusedPID())
                let alive = InstanceIdentity(id: "alive", hostname: "this-host", processID: getpid())
                let remote = InstanceIdentity(id: "remote", hostname: "other-host", processID: Self.unusedPID())
                var calls: [String: String] = [:]
                for instance in [dead, alive, remote] {
                    _ = try await store.heartbeat(instance)
                    calls[instance.id] = try await store.recordSyncStart(of: version, instance: instance).id
                }
                // Within two intervals nothing is declared gone: a beat may just be late.
                var patient = InstanceHeartbeat.Configuration()
                patient.interval = .seconds(60)
                patient.staleAfter = .seconds(600)
                await InstanceHeartbeat(store: store, instance: me, configuration: patient).beat()
                #expect(try await store.invocation(id: calls["dead"]!).status == .running)

                var quick = InstanceHeartbeat.Configuration()
                quick.interval = .milliseconds(100)
                quick.staleAfter = .seconds(60)
                try await Task.sleep(for: .milliseconds(300))
                await InstanceHeartbeat(store: store, instance: me, configuration: quick).beat()
                #expect(try await store.invocation(id: calls["dead"]!).status == .interrupted)
                #expect(try await store.invocation(id: calls["alive"]!).status == .running)
                #expect(try await store.invocation(id: calls["remote"]!).status == .running)
                #expect(try await store.instances().map(\.identity.id).sorted() == ["alive", "me", "remote"])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func stoppingRemovesTheInstance(kind: StoreKind) async throws {
            try await withStore(kind) { store, _ in
                let version = try await store.createVersion(of: "stop", Samples.source("stop")).version
                let me = InstanceIdentity.current()
                var configuration = InstanceHeartbeat.Configuration()
                configuration.interval = .milliseconds(50)
                configuration.staleAfter = .seconds(60)
                let heartbeat = InstanceHeartbeat(store: store, instance: me, configuration: configuration)
                let task = Task { try await heartbeat.run() }
                let registered = try await Self.eventually { try await store.instances().contains { $0.identity == me } }
                #expect(registered)
                let unfinished = try await store.recordSyncStart(of: version, instance: me)
                task.cancel()
                try await task.value
                #expect(try await store.instances().isEmpty)
                #expect(try await store.invocation(id: unfinished.id).status == .interrupted)
            }
        }

        @Test func staleAfterMustExceedTwoIntervals() async throws {
            try await withStore(.sqlite) { store, _ in
                var configuration = InstanceHeartbeat.Configuration()
                configuration.interval = .seconds(10)
                configuration.staleAfter = .seconds(15)
                await #expect(throws: RegistryError.self) {
                    try await InstanceHeartbeat(store: store, instance: .current(), configuration: configuration).run()
                }
            }
        }

        /// A serve killed and not yet reaped by its parent (a zombie) is gone; a live process is not.
        @Test func aZombieProcessDoesNotExist() throws {
            #expect(InstanceHeartbeat.processExists(getpid()))
            var child: pid_t = 0
            let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            defer { arguments.forEach { free($0) } }
            #expect(posix_spawn(&child, "/bin/true", nil, nil, arguments, environ) == 0)
            var waited = 0
            while InstanceHeartbeat.processExists(child) && waited < 200 {
                usleep(10_000)
                waited += 1
            }
            #expect(!InstanceHeartbeat.processExists(child), "the exited, unreaped child is a zombie")
            #expect(kill(child, 0) == 0, "which kill(pid, 0) still finds")
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }

        /// A pid with no process: above the highest in use, below the kernel's limit.
        static func unusedPID() -> Int32 {
            var pid: Int32 = 4_000_000
            while InstanceHeartbeat.processExists(pid) { pid -= 1 }
            return pid
        }

        static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
            for _ in 0..<200 {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(25))
            }
            return try await condition()
        }
    }
}
