import Foundation
import Testing

/// Two serve processes on one PostgreSQL: one registry and one durable queue. The server is the
/// real thing, started by scripts/postgres-test-server.sh (make test sets PYLAMBDA_TEST_POSTGRES_URL).
extension ServiceAPITests {
    @Test func twoServeProcessesShareARegistryAndRunEachQueuedCallOnce() async throws {
        guard let url = ProcessInfo.processInfo.environment["PYLAMBDA_TEST_POSTGRES_URL"] else {
            if ProcessInfo.processInfo.environment["PYLAMBDA_REQUIRE_DOCKER"] == "1" {
                Issue.record("PYLAMBDA_TEST_POSTGRES_URL is not set: make test runs the tests inside scripts/postgres-test-server.sh run")
            }
            return
        }
        // A fresh server for each test run (postgres-test-server.sh run), so the registry starts empty.
        let database = url
        let adminKey = "test-admin-\(UInt64.random(in: 0...UInt64.max))"
        let one = try await ServeProcess(database: database, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": adminKey])
        let two = try await ServeProcess(database: database, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": adminKey])
        defer {
            one.removeState()
            two.removeState()
        }
        #expect(try await one.deploy("double", code: "def entrypoint(data):\n    return data * 2\n", settings: ["concurrency": 4]).status == 201)
        // Deployed on one, invoked on the other.
        #expect(try await two.invoke("double", "21").text == "42")
        #expect(try await two.deploy("double", code: "def entrypoint(data):\n    return data * 2\n# v2\n", settings: ["concurrency": 4]).object["version"] as? Int == 2)
        #expect(try await one.invoke("double", "1").headers.first(name: "X-Function-Version") == "2", "a deploy on one is the latest on the other")

        var ids: [String: Int] = [:]
        try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let serve = index % 2 == 0 ? one : two
                    let id = try #require(try await serve.invoke("double", String(index), query: "?mode=async").object["invocation_id"] as? String)
                    return (id, index)
                }
            }
            for try await (id, index) in group { ids[id] = index }
        }
        #expect(ids.count == 200)
        var instances: Set<String> = []
        for (id, index) in ids {
            let record = try await one.waitForInvocation(id, within: .seconds(180))
            #expect(record["status"] as? String == "succeeded", "\(record)")
            #expect(record["result"] as? Int == index * 2)
            if let instance = record["instance"] as? String { instances.insert(instance) }
        }
        #expect(instances.count == 2, "both processes took queued calls")
        let counts = try await one.call(.GET, "/v1/functions/double").object["invocations"] as? [String: Int]
        #expect(counts?["succeeded"] == 200 + 2, "every call ran exactly once: \(counts ?? [:])")
        #expect(await one.stop() == 0)
        #expect(await two.stop() == 0)
    }
}
