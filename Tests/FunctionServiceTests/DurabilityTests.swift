import Foundation
import Testing

/// Versions swapped under load, async calls that outlive a `kill -9`, graceful stops, and a load of
/// mixed functions: what a service must get right when things happen at once.
extension ServiceAPITests {
    @Test func aVersionSwapLetsCallsInFlightFinishOnTheirVersion() async throws {
        try await withServe { serve in
            _ = try await serve.deploy("swap", code: "import time\ndef entrypoint(data):\n    time.sleep(1)\n    return 'v1'\n")
            _ = try await serve.invoke("swap")  // warm
            let inFlight = (0..<3).map { _ in Task { try await serve.invoke("swap") } }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await serve.deploy("swap", code: "def entrypoint(data):\n    return 'v2'\n").object["version"] as? Int == 2)
            for call in inFlight {
                let answer = try await call.value
                #expect(answer.text == #""v1""# && answer.headers.first(name: "X-Function-Version") == "1")
            }
            let after = try await serve.invoke("swap")
            #expect(after.text == #""v2""# && after.headers.first(name: "X-Function-Version") == "2")
        }
    }

    /// An async call claimed while a sync call holds the function's one container waits for it; if the
    /// function is deleted meanwhile, the call is cancelled, as the calls still queued are, instead of
    /// running after the delete was answered.
    @Test func anAsyncCallWaitingForARunnerIsCancelledByADelete() async throws {
        try await withServe(warmPool: 0) { serve in
            try await serve.deploySleeper("held")
            async let holding = serve.invoke("held", "3")
            // Once the sync call runs, the async one is claimed and waits for the container.
            try await serve.waitUntilACallRuns(of: "held", within: .seconds(20))
            let queued = try #require(try await serve.invoke("held", "0", query: "?mode=async").object["invocation_id"] as? String)
            // Claimed (it names this serve), still queued: it has not started.
            var record = try await serve.waitUntilClaimed(queued, within: .seconds(20))
            #expect(record["status"] as? String == "queued" && record["instance"] is String && record["started_at"] == nil, "\(record)")
            #expect(try await serve.call(.DELETE, "/v1/functions/held").status == 204)
            #expect(try await holding.status == 200, "the call in flight finishes")
            record = try await serve.waitForInvocation(queued, within: .seconds(20))
            #expect(record["status"] as? String == "cancelled" && record["result"] == nil, "\(record)")
        }
    }

    /// An async call that cannot get a runner (sync calls hold the function's one, and no call may
    /// wait for it) goes back to the queue and runs once the runner is free, where it was recorded
    /// failed without having run.
    @Test func anAsyncCallThatCannotGetARunnerRunsLater() async throws {
        try await withServe(["--max-queued", "0"], warmPool: 0) { serve in
            try await serve.deploySleeper("held")
            async let holding = serve.invoke("held", "3")
            try await serve.waitUntilACallRuns(of: "held", within: .seconds(20))
            let queued = try #require(try await serve.invoke("held", "0", query: "?mode=async").object["invocation_id"] as? String)
            #expect(try await holding.status == 200)
            let record = try await serve.waitForInvocation(queued, within: .seconds(30))
            #expect(record["status"] as? String == "succeeded", "\(record)")
            #expect(serve.logText().contains("invocation \(queued) goes back to the queue: no runner: too many concurrent invocations"),
                    "it was given back, not just run late: \(serve.logText().suffix(2000))")
        }
    }

    /// An async call taken by a serve that is then killed while the call waits for a runner has not
    /// started: after the restart it runs, where it was marked interrupted.
    @Test func anAsyncCallWaitingForARunnerRunsAfterAKill() async throws {
        let first = try await ServeProcess(warmPool: 0)
        let state = first.state
        try await first.deploySleeper("held")
        let holding = Task { try? await first.invoke("held", "30") }
        try await first.waitUntilACallRuns(of: "held", within: .seconds(20))
        let queued = try #require(try await first.invoke("held", "0", query: "?mode=async").object["invocation_id"] as? String)
        _ = try await first.waitUntilClaimed(queued, within: .seconds(20))
        let adminKey = first.adminKey
        _ = await first.stop(signal: SIGKILL)
        _ = await holding.value

        let second = try await ServeProcess(state: state, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": adminKey])
        defer { second.removeState() }
        let record = try await second.waitForInvocation(queued, within: .seconds(90))
        #expect(record["status"] as? String == "succeeded" && record["started_at"] != nil, "\(record)")
        #expect(await second.stop() == 0)
    }

    @Test func asyncCallsSurviveAKillAndNeverRunTwice() async throws {
        let first = try await ServeProcess(warmPool: 0)
        let state = first.state
        _ = try await first.deploy("slow", code: "import time\ndef entrypoint(data):\n    time.sleep(2)\n    return data\n", settings: ["concurrency": 1])
        var ids: [String] = []
        for index in 0..<4 {
            ids.append(try #require(try await first.invoke("slow", String(index), query: "?mode=async").object["invocation_id"] as? String))
        }
        // The first is running, the rest wait for the one container.
        var running: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while running == nil && ContinuousClock.now < deadline {
            for id in ids where try await first.call(.GET, "/v1/invocations/\(id)").object["status"] as? String == "running" {
                running = id
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let killed = try #require(running, "no call started")
        let adminKey = first.adminKey
        _ = await first.stop(signal: SIGKILL)

        // Same state directory and registry, as after a crash and a restart.
        let second = try await ServeProcess(state: state, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": adminKey])
        defer { second.removeState() }
        for id in ids {
            let record = try await second.waitForInvocation(id, within: .seconds(90))
            if id == killed {
                #expect(record["status"] as? String == "interrupted", "the call cut short is not run again: \(record)")
            } else {
                #expect(record["status"] as? String == "succeeded", "\(record)")
                #expect(record["instance"] == nil || true)
            }
        }
        let records = try await second.call(.GET, "/v1/functions/slow/invocations?limit=100").object["invocations"] as? [[String: Any]] ?? []
        #expect(records.count == 4, "one record per call")
        #expect(await second.stop() == 0)
        // What the killed process left was swept by the second one's dispatcher.
        #expect(second.runnerDirectories().isEmpty, "\(second.runnerDirectories())")
    }

    @Test func sigtermFinishesCallsInFlightAndLeavesQueuedOnesQueued() async throws {
        let serve = try await ServeProcess(warmPool: 0)
        defer { serve.removeState() }
        _ = try await serve.deploy("slow", code: "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n", settings: ["concurrency": 1])
        _ = try await serve.deploy("paced", code: "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n", settings: ["concurrency": 1])
        _ = try await serve.invoke("slow", "0")
        _ = try await serve.invoke("paced", "0")
        let inFlight = Task { try await serve.invoke("slow", "3") }
        try await Task.sleep(for: .milliseconds(500))
        // Queued behind the call in flight (one container for this function).
        let behind = try #require(try await serve.invoke("slow", "0", query: "?mode=async").object["invocation_id"] as? String)
        // An async call that runs into the shutdown, and one queued behind it (concurrency 1). Once the
        // first ends, the second must stay queued: claims stop as the shutdown begins, not once the
        // HTTP server has drained (which waits for the sync call in flight).
        let running = try #require(try await serve.invoke("paced", "1", query: "?mode=async").object["invocation_id"] as? String)
        let queued = try #require(try await serve.invoke("paced", "0", query: "?mode=async").object["invocation_id"] as? String)
        try await Task.sleep(for: .milliseconds(200))
        kill(serve.process.processIdentifier, SIGTERM)
        let answer = try await inFlight.value
        #expect(answer.status == 200 && answer.text == "3", "the call in flight was answered: \(answer.status) \(answer.text)")
        #expect(await serve.stop() == 0)
        #expect(serve.logText().contains("stopping: no new requests; "), "the drain is announced: \(serve.logText().suffix(2000))")
        #expect(serve.runnerDirectories().isEmpty, "its containers are removed")
        let statuses = try Self.sqlite(serve.state + "/registry.sqlite", "SELECT id, status FROM invocations WHERE mode = 'async'")
        #expect(statuses[running] == "succeeded" && statuses[queued] == "queued", "the running call finished, the queued one stayed: \(statuses)")
        // Started again: the queued calls were kept, and run now.
        let again = try await ServeProcess(state: serve.state, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": serve.adminKey])
        for id in [behind, queued] {
            let record = try await again.waitForInvocation(id)
            #expect(record["status"] as? String == "succeeded")
        }
        #expect(await again.stop() == 0)
    }

    /// Sync calls are recorded behind their answers (`InvocationRecorder`); one still running when
    /// serve is killed was written as running, and the next serve marks it interrupted once the dead
    /// one's heartbeat is two intervals old.
    @Test func aSyncCallCutShortByAKillIsRecordedInterrupted() async throws {
        let first = try await ServeProcess(warmPool: 0)
        _ = try await first.deploy("sleepy", code: "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n")
        #expect(try await first.invoke("sleepy", "0").status == 200)
        let cut = Task { try? await first.invoke("sleepy", "5") }
        try await Task.sleep(for: .seconds(1))
        _ = await first.stop(signal: SIGKILL)
        _ = await cut.value
        let second = try await ServeProcess(state: first.state, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": first.adminKey])
        defer { second.removeState() }
        // The new process marks what the dead one left running once its heartbeat is old enough (about
        // 10 s), not before it answers.
        var records: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(60)
        repeat {
            records = try await second.call(.GET, "/v1/functions/sleepy/invocations").object["invocations"] as? [[String: Any]] ?? []
            if records.first?["status"] as? String != "running" { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        #expect(records.map { $0["status"] as? String } == ["interrupted", "succeeded"], "\(records)")
        #expect(await second.stop() == 0)
    }

    /// A SIGTERM right after a burst of calls: every call's record is written before serve exits.
    @Test func sigtermWritesTheRecordsOfEveryAnsweredCall() async throws {
        let serve = try await ServeProcess(warmPool: 0)
        defer { serve.removeState() }
        _ = try await serve.deploy("echo", code: Self.echo, settings: ["concurrency": 2])
        var ids: [String] = []
        for index in 0..<40 {
            let answer = try await serve.invoke("echo", String(index))
            #expect(answer.status == 200)
            ids.append(try #require(answer.headers.first(name: "X-Invocation-Id")))
        }
        // The answer came before its record was written; the record is there when asked for.
        #expect(try await serve.call(.GET, "/v1/invocations/\(ids[39])").object["status"] as? String == "succeeded")
        let burst = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<20 { group.addTask { try await serve.invoke("echo", String(index)).headers.first(name: "X-Invocation-Id") } }
            return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(burst.count == 20)
        #expect(await serve.stop() == 0)
        let again = try await ServeProcess(state: serve.state, warmPool: 0, environment: ["PYLAMBDA_ADMIN_KEY": serve.adminKey])
        let records = try await again.call(.GET, "/v1/functions/echo/invocations?limit=100").object["invocations"] as? [[String: Any]] ?? []
        #expect(Set(records.compactMap { $0["id"] as? String }) == Set(ids + burst))
        #expect(records.allSatisfy { $0["status"] as? String == "succeeded" }, "\(records.filter { $0["status"] as? String != "succeeded" })")
        #expect(await again.stop() == 0)
    }

    @Test func thirtySecondsOfMixedLoadAtSixteenConnections() async throws {
        try await withServe(warmPool: 2) { serve in
            _ = try await serve.deploy("echo", code: Self.echo, settings: ["concurrency": 4])
            _ = try await serve.deploy("fib", code: try String(contentsOfFile: Self.repository + "/examples/fibonacci.py", encoding: .utf8), settings: ["concurrency": 4])
            _ = try await serve.deploy("fails", code: "def entrypoint(data):\n    raise RuntimeError('on purpose')\n", settings: ["concurrency": 2])
            let end = ContinuousClock.now + .seconds(30)
            let outcomes = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for connection in 0..<16 {
                    group.addTask {
                        var counts: [String: Int] = [:]
                        var index = connection
                        while ContinuousClock.now < end {
                            index += 1
                            let (name, input, expected) = [("echo", "[1]", 200), ("fib", #"{"n": 20}"#, 200), ("fails", "{}", 500)][index % 3]
                            let answer = try await serve.invoke(name, input)
                            // An unexpected answer is counted with its detail, which names the cause.
                            let outcome = answer.status == expected ? "expected" : "\(name) \(answer.status) \(answer.text.prefix(300))"
                            counts[outcome, default: 0] += 1
                        }
                        return counts
                    }
                }
                var all: [String: Int] = [:]
                for try await counts in group { all.merge(counts, uniquingKeysWith: +) }
                return all
            }
            let unexpected = outcomes.filter { $0.key != "expected" }
            #expect(unexpected.isEmpty, "errors the functions did not raise: \(unexpected)")
            #expect((outcomes["expected"] ?? 0) > 300, "\(outcomes)")
        }
    }

    static var repository: String {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }

    /// Rows of two text columns from a stopped serve's SQLite registry (Python's sqlite3), as a map.
    static func sqlite(_ path: String, _ query: String) throws -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import json, sqlite3, sys; print(json.dumps(dict(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall())))",
            path, query,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: output) as? [String: String] ?? [:]
    }
}
