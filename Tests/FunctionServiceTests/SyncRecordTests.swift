import Foundation
import Testing

extension ServiceAPITests {
    /// A sync call waiting for a runner (its function's concurrency is reached) is not running: it has
    /// no record until it gets one. Then it is `running`, then final.
    @Test func aSyncCallWaitingForARunnerIsRecordedOnlyOnceItRuns() async throws {
        try await withServe { serve in
            let code = "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n"
            #expect(try await serve.deploy("queue", code: code, settings: ["concurrency": 1, "timeout_s": 10]).status == 201)
            func records() async throws -> [[String: Any]] {
                try await serve.call(.GET, "/v1/functions/queue/invocations").object["invocations"] as? [[String: Any]] ?? []
            }
            let first = Task { try await serve.invoke("queue", "3") }
            let deadline = ContinuousClock.now + .seconds(2)
            while try await records().isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let running = try await records()
            #expect(running.map { $0["status"] as? String } == ["running"])
            // The second call waits for the first one's runner.
            let second = Task { try await serve.invoke("queue", "0") }
            try await Task.sleep(for: .milliseconds(400))
            let whileWaiting = try await records()
            #expect(whileWaiting.map { $0["status"] as? String } == ["running"], "\(whileWaiting)")

            let firstAnswer = try await first.value
            let secondAnswer = try await second.value
            #expect(firstAnswer.status == 200 && secondAnswer.status == 200)
            let ended = try await records()
            #expect(ended.map { $0["status"] as? String } == ["succeeded", "succeeded"])
            #expect(ended.first?["id"] as? String == secondAnswer.headers.first(name: "X-Invocation-Id"), "newest first")
            // The second call arrived about 2.6 s before it got the runner: it started then, and its
            // duration (a sleep of 0) does not count the wait.
            let waited = try #require(ended.first)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let created = try #require((waited["created_at"] as? String).flatMap(formatter.date(from:)))
            let started = try #require((waited["started_at"] as? String).flatMap(formatter.date(from:)))
            #expect(started.timeIntervalSince(created) > 1.5, "\(waited)")
            #expect((waited["duration_ms"] as? Double).map { $0 < 1000 } == true, "\(waited)")
        }
    }
}
