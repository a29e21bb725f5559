import EmbeddedPython
import Foundation
import Logging
import NIOHTTP1
import RawConnectionTesting
import RunnerProtocol
import RunnerServer
import ServiceLifecycle
import Testing

/// How a runner ends: drained by `stop()` (the executable's SIGTERM does the same, see the image
/// tests), or by its idle TTL, atomically with respect to requests; and what it does between calls.
@Suite("Draining, the idle TTL, and threads of user code")
struct LifecycleTests {
    @Test(arguments: [Setup.tcp, .unixSocket])
    func stopFinishesTheInvocationInFlightThenRefusesNewConnections(setup: Setup) async throws {
        try await withStartedRunner(setup) { underTest in
            let client = underTest.client
            try await client.mustLoad(function("import time\ntime.sleep(data)\nreturn {'slept': data}"))
            async let inFlight = client.run("0.6")
            try await Task.sleep(for: .milliseconds(200))
            underTest.runner.stop()
            let response = try await inFlight
            #expect(response.status == .ok)
            #expect(response.text == #"{"slept":0.6}"#)
            #expect(response.header("Connection") == "close")
            #expect(await underTest.runner.exitCode == RunnerExitCode.clean)
            #expect(throws: (any Error).self) { try RawConnection(client.address) }
        }
    }

    @Test
    func asAServiceAGracefulShutdownDrainsTheRunner() async throws {
        try await withInterpreterLease { try await drainsTheRunnerAsAService() }
    }

    private func drainsTheRunnerAsAService() async throws {
        var configuration = RunnerConfiguration()
        configuration.address = .tcp(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "runner-service")
        logger.logLevel = .warning
        let runner = Runner(configuration: configuration, interpreter: testInterpreter, logger: logger)
        let group = ServiceGroup(services: [runner], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var port: Int?
            while port == nil {
                try await Task.sleep(for: .milliseconds(10))
                port = runner.port
            }
            let client = TestClient(address: .tcp(port: port!))
            // The shutdown comes while the call runs.
            let started = CallStartedMarker()
            try await client.mustLoad(function("import time\n\(started.python)\ntime.sleep(0.3)\nreturn 'finished'"))
            async let inFlight = client.run("0")
            #expect(try await started.waitForCall())
            await group.triggerGracefulShutdown()
            #expect(try await inFlight.text == #""finished""#)
            try await tasks.waitForAll()
        }
        #expect(await runner.exitCode == RunnerExitCode.clean)
    }

    @Test
    func anIdleRunnerExitsCleanlyAndHealthDoesNotCountAsActivity() async throws {
        // The health check must come before the TTL ends; 400 ms between two requests was lost once
        // on a loaded CI machine, so the TTL leaves room.
        try await withStartedRunner(configure: { $0.idleTTL = .seconds(2) }) { underTest in
            try await underTest.client.mustLoad(function("return 1"))
            #expect(try await underTest.client.get(RunnerPath.health).status == .ok)
            #expect(await underTest.runner.exitCode == RunnerExitCode.clean)
            #expect(throws: (any Error).self) { try RawConnection(underTest.client.address) }
        }
    }

    /// A request sent as the idle timer fires is either answered, or its connection is closed without
    /// it having run: never run and then left unanswered.
    @Test
    func theIdleExitNeverRunsARequestWithoutAnsweringIt() async throws {
        let markers = try makeTemporaryDirectory("pylambda-idle-race")
        defer { try? FileManager.default.removeItem(atPath: markers) }
        let code = function("open(data, 'w').close()\nreturn 'ran'")
        var answered = 0
        var refused = 0
        for attempt in 0..<24 {
            let ttl = 150
            try await withStartedRunner(configure: { $0.idleTTL = .milliseconds(ttl) }) { underTest in
                let marker = "\(markers)/\(attempt)"
                // On a loaded machine the timer may fire before the load is made (it did once in a
                // local run): the runner exits idle with nothing loaded, and nothing can have run.
                do {
                    try await underTest.client.mustLoad(code)
                } catch {
                    #expect(await underTest.runner.exitCode == RunnerExitCode.clean, "the load failed: \(error)")
                    #expect(!FileManager.default.fileExists(atPath: marker))
                    refused += 1
                    return
                }
                // On a loaded machine the timer may fire before the connection is made: the runner is
                // gone, nothing ran, and that is a refusal too.
                guard let connection = try? RawConnection(underTest.client.address, timeoutSeconds: 5) else {
                    #expect(!FileManager.default.fileExists(atPath: marker))
                    refused += 1
                    #expect(await underTest.runner.exitCode == RunnerExitCode.clean)
                    return
                }
                // Send around the instant the timer fires: a little before, at, and after it.
                try await Task.sleep(for: .milliseconds(ttl - 12 + attempt))
                let body = "\"\(marker)\""
                let sent = (try? connection.send("POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")) != nil
                let response = sent ? (try? connection.readResponse()) ?? nil : nil
                let ran = FileManager.default.fileExists(atPath: marker)
                if let response {
                    #expect(response.status == 200)
                    #expect(ran)
                    answered += 1
                } else {
                    #expect(!ran, "attempt \(attempt): the request ran but its answer never came")
                    refused += 1
                }
                #expect(await underTest.runner.exitCode == RunnerExitCode.clean)
            }
        }
        #expect(answered + refused == 24)
    }

    @Test
    func threadsStartedByUserCodeRunWhileTheRunnerWaits() async throws {
        let code = """
            import threading

            progress = []
            started = threading.Event()

            def work():
                while True:
                    started.wait()
                    started.clear()
                    progress.append(1)

            threading.Thread(target=work, daemon=True).start()

            def entrypoint(data):
                if data == 'poke':
                    started.set()
                return len(progress)
            """
        try await withRunner { client in
            try await client.mustLoad(code)
            #expect(try await client.run(#""poke""#).status == .ok)
            // The worker needs the GIL, which the interpreter thread must not hold while it waits.
            #expect(try await eventually { try await client.run(#""count""#).text == "1" })
        }
    }

    /// The old interpreter thread kept the GIL after a queued job timed out and waited for work with
    /// it: threads of the user's code then stood still.
    @Test
    func threadsStillRunAfterAQueuedRequestTimedOut() async throws {
        // The late call is sent while the slow one runs.
        let started = CallStartedMarker()
        let code = """
            import threading, time

            ticks = []

            def tick():
                while True:
                    time.sleep(0.005)
                    ticks.append(1)

            threading.Thread(target=tick, daemon=True).start()

            def entrypoint(data):
                if data == 'slow':
                    \(started.python)
                    time.sleep(0.4)
                return len(ticks)
            """
        try await withRunner { client in
            try await client.mustLoad(code)
            async let slow = client.run(#""slow""#)
            #expect(try await started.waitForCall())
            #expect(try await client.run(#""late""#, headers: [(RunnerHeader.timeoutMilliseconds, "50")]).status == .gatewayTimeout)
            _ = try await slow
            let before = Int(try await client.run(#""count""#).text) ?? 0
            #expect(try await eventually { (Int(try await client.run(#""count""#).text) ?? 0) > before + 2 })
        }
    }
}

/// Polls `condition` (up to about five seconds): for progress that another thread makes.
func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
    for _ in 0..<100 {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}
