import Foundation
import Testing

/// Two serve processes on one PostgreSQL: one registry and one durable queue. The server is the
/// real thing, started by scripts/postgres-test-server.sh (make test sets PYLAMBDA_TEST_POSTGRES_URL).
extension ServiceAPITests {
    /// The test server's URL; nil (the test is skipped) outside `make test`, which always sets it.
    static func postgresURL() -> String? {
        guard let url = ProcessInfo.processInfo.environment["PYLAMBDA_TEST_POSTGRES_URL"] else {
            if ProcessInfo.processInfo.environment["PYLAMBDA_REQUIRE_DOCKER"] == "1" {
                Issue.record("PYLAMBDA_TEST_POSTGRES_URL is not set: make test runs the tests inside scripts/postgres-test-server.sh run")
            }
            return nil
        }
        return url
    }

    /// Two serve processes on the registry at `database`, with one admin key; both must stop with 0
    /// on SIGTERM afterwards.
    func withTwoServes(on database: String, _ body: (ServeProcess, ServeProcess) async throws -> Void) async throws {
        let adminKey = "test-admin-\(UInt64.random(in: 0...UInt64.max))"
        let one = try await ServeProcess(database: database, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": adminKey])
        defer { one.removeState() }
        let two = try await ServeProcess(database: database, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": adminKey])
        defer { two.removeState() }
        do {
            try await body(one, two)
        } catch {
            _ = await one.stop()
            _ = await two.stop()
            throw error
        }
        #expect(await one.stop() == 0)
        #expect(await two.stop() == 0)
    }

    @Test func twoServeProcessesShareARegistryAndRunEachQueuedCallOnce() async throws {
        // A fresh server for each test run (postgres-test-server.sh run), so the registry starts empty.
        guard let database = Self.postgresURL() else { return }
        try await withTwoServes(on: database) { one, two in
            #expect(try await one.deploy("double", code: "def entrypoint(data):\n    return data * 2\n", settings: ["concurrency": 4]).status == 201)
            // Deployed on one, invoked on the other.
            #expect(try await two.invoke("double", "21").text == "42")
            #expect(try await two.deploy("double", code: "def entrypoint(data):\n    return data * 2\n# v2\n", settings: ["concurrency": 4]).object["version"] as? Int == 2)
            #expect(
                try await eventually { try await one.invoke("double", "1").headers.first(name: "X-Function-Version") == "2" },
                "a deploy on one is the latest on the other")

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
        }
    }

    /// Each process caches the latest version of a function and the keys it verified. What another
    /// process changes reaches those caches through PostgreSQL's NOTIFY: a new version, a deleted
    /// function and a revoked key are seen by the other process within moments, also after its
    /// listening connection was cut (while it is down, nothing is cached).
    @Test func changesThroughOneServeReachTheCachesOfTheOther() async throws {
        guard let url = Self.postgresURL() else { return }
        try await withTwoServes(on: url) { one, two in
            func versionOnTwo() async throws -> String? { try await two.invoke("cached", "1").headers.first(name: "X-Function-Version") }
            func deploy(_ tag: String) async throws -> Int? {
                try await one.deploy("cached", code: "def entrypoint(data):\n    return data\n# \(tag)\n").object["version"] as? Int
            }

            #expect(try await deploy("v1") == 1)
            let created = try await one.call(.POST, "/v1/keys", body: #"{"name": "cached-caller", "scope": "invoke", "function": "cached"}"#)
            let key = try #require(created.object["key"] as? String)
            // Read, then served from the caches.
            for _ in 0..<3 {
                #expect(try await versionOnTwo() == "1")
                #expect(try await two.invoke("cached", "1", key: key).status == 200)
            }

            #expect(try await deploy("v2") == 2)
            #expect(try await eventually { try await versionOnTwo() == "2" }, "a deploy on one reaches the cache of two")

            #expect(try await one.call(.DELETE, "/v1/keys/cached-caller").status == 204)
            #expect(try await eventually { try await two.invoke("cached", "1", key: key).status == 401 }, "a revoke on one reaches two")

            // Cut the listening connections: changes made while two is not listening must not leave it
            // with a stale cache.
            let listeners = "FROM pg_stat_activity WHERE application_name = 'pylambda serve: registry changes'"
            let cut = try Self.psql(url, "SELECT count(pg_terminate_backend(pid)) \(listeners)")
            #expect(Int(cut) ?? 0 >= 2, "the listeners of both processes were found: \(cut)")
            #expect(try await deploy("v3") == 3)
            #expect(try await eventually { try await versionOnTwo() == "3" }, "a deploy while two was reconnecting reaches it")
            #expect(try await eventually { try Self.psql(url, "SELECT count(*) \(listeners)") == "2" }, "both listen again")
            #expect(try await deploy("v4") == 4)
            #expect(try await eventually { try await versionOnTwo() == "4" }, "and hear what changes")

            #expect(try await one.call(.DELETE, "/v1/functions/cached").status == 204)
            #expect(try await eventually { try await two.invoke("cached", "1").status == 404 }, "a delete on one reaches two")
        }
    }

    /// One statement through psql; its single value.
    static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ServeTestError("psql failed: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ServiceAPITests {
    /// A database that takes the connection and never answers: serve listens, but says `starting`
    /// (503) until its registry is open, so that nothing routes calls to it, and exits 3 when the
    /// connection times out.
    @Test func aServeThatCannotOpenItsDatabaseIsNotHealthy() async throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let serve = try await ServeProcess(
            database: "postgres://user:secret@127.0.0.1:\(port)/silent", warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": "silent-admin"],
            waitUntilServing: false)
        defer { serve.removeState() }
        var answers: [Int] = []
        while serve.process.isRunning {
            if let answer = try? await ServiceHTTP.shared.request(.GET, "\(serve.url)/healthz") {
                answers.append(answer.status)
                if answer.status == 503 { #expect(answer.text.contains("starting")) }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(answers.contains(503) && !answers.contains(200), "\(answers)")
        #expect(await serve.stop() == 3, "\(serve.logText())")
        #expect(!serve.logText().contains("secret"), "the password stays out of the log")
    }
}
