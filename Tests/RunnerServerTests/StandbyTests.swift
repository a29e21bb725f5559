import Foundation
import NIOHTTP1
import RawConnectionTesting
import RunnerProtocol
import Synchronization
import Testing

/// While a call runs long, the standby thread answers health checks and queues the rest.
@Suite("The standby thread while Python is busy")
struct StandbyTests {
    private static let sleeper = function("import time\ntime.sleep(data)\nreturn data")

    @Test(arguments: [Setup.tcp, .unixSocket])
    func healthIsAnsweredWhileAnInvocationRuns(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(Self.sleeper)
            let finished = Flag()
            async let slow: TestResponse = {
                defer { finished.set() }
                return try await client.run("1.5")
            }()
            try await Task.sleep(for: .milliseconds(200))
            // On a new connection and (AsyncHTTPClient pools them) possibly an idle pooled one.
            for _ in 0..<3 {
                let health = try await client.get(RunnerPath.health)
                #expect(health.text == #"{"status":"ok","loaded":true}"#)
            }
            let raw = try RawConnection(client.address)
            try raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try raw.readResponse()?.status == 200)
            #expect(!finished.isSet, "health was answered while the invocation still ran")
            #expect(try await slow.text == "1.5")
        }
    }

    @Test(arguments: setups)
    func requestsArrivingDuringACallRunAfterItInOrder(setup: Setup) async throws {
        try await withRunner(setup) { client in
            // The others are sent while the slow call runs (a fixed 100 ms was not always enough for it
            // to reach the runner in CI).
            let started = CallStartedMarker()
            try await client.mustLoad(
                function(
                    "import time\nif data == 'slow':\n    \(started.python)\n    time.sleep(0.5)\nglobal log\nlog.append(data)\nreturn log",
                    prelude: "log = []"))
            async let slow = client.run(#""slow""#)
            #expect(try await started.waitForCall())
            let connections = try (0..<3).map { _ in try RawConnection(client.address) }
            for (index, connection) in connections.enumerated() {
                try connection.send("POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n\(index)")
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await slow.text == #"["slow"]"#)
            let answers = try connections.map { try #require(try $0.readResponse()).body }
            #expect(answers == [#"["slow",0]"#, #"["slow",0,1]"#, #"["slow",0,1,2]"#])
        }
    }

    @Test(arguments: [Setup.tcp, .tcpStandbyAtOnce])
    func aQueuedRequestPastItsDeadlineIsAnswered504WithoutRunning(setup: Setup) async throws {
        try await withRunner(setup) { client in
            let started = CallStartedMarker()
            try await client.mustLoad(
                function(
                    "import time\nglobal ran\nran.append(data)\nif data == 'slow':\n    \(started.python)\n    time.sleep(1)\nreturn ran",
                    prelude: "ran = []"))
            async let slow = client.run(#""slow""#)
            #expect(try await started.waitForCall())
            let queued = try await client.run(#""queued""#, headers: [(RunnerHeader.timeoutMilliseconds, "200")])
            #expect(queued.status == .gatewayTimeout)
            #expect(try queued.errorBody().detail == "the invocation timed out after 0.2 s while waiting for an earlier invocation")
            #expect(try await slow.status == .ok)
            #expect(try await client.run(#""after""#).text == #"["slow","after"]"#, "the queued request never ran")
        }
    }

    /// Health is answered while a module loads. The module waits (up to 10 s) for the test to let
    /// it finish, so that a loaded machine cannot end the load before health is asked.
    @Test(arguments: [Setup.tcp, .unixSocket])
    func aLongLoadDoesNotBlockHealth(setup: Setup) async throws {
        try await withRunner(setup) { client in
            let loading = CallStartedMarker()
            let release = CallStartedMarker()
            let releasePath = "bytes.fromhex('\(release.path.utf8.map { String(format: "%02x", $0) }.joined())').decode()"
            let code = "import os, time\n\(loading.python)\nfor _ in range(1000):\n    if os.path.exists(\(releasePath)):\n        break\n"
                + "    time.sleep(0.01)\ndef entrypoint(data):\n    return data\n"
            async let load = client.load(code)
            let started = try await loading.waitForCall()
            #expect(started)
            #expect(try await client.get(RunnerPath.health).text == #"{"status":"ok","loaded":false}"#)
            _ = FileManager.default.createFile(atPath: release.path, contents: nil)
            #expect(try await load.status == .ok)
            #expect(try await client.get(RunnerPath.health).text == #"{"status":"ok","loaded":true}"#)
        }
    }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
