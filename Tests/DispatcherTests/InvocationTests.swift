import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// Calls, reuse, and every way a call can fail: each has its own error, and the next call works.
extension DockerTests {
    // MARK: Calls and reuse

    @Test func runsAFunctionAndReusesItsContainer() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = Functions.counter("reuse")
            let first = try await dispatcher.invoke(code: code, input: [String: Int](), as: CallCounter.self)
            let second = try await dispatcher.invoke(code: code, input: [String: Int](), as: CallCounter.self)
            #expect(first.calls == 1)
            #expect(second.calls == 2, "the second call should reach the same warm container")
            #expect(dispatcher.runners().count == 1)
            let echoed = try await dispatcher.invoke(code: Functions.echo, json: #"{"a": [1, 2.5, "x", null, true]}"#)
            #expect(echoed == #"{"a":[1,2.5,"x",null,true]}"#)
            #expect(dispatcher.runners().count == 2, "new code gets its own container")
        }
    }

    @Test func logTailComesBackWhenAskedFor() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = "def entrypoint(data):\n    print('hello from the function')\n    return 1\n"
            let result = try await dispatcher.invoke(FunctionDefinition(source: code), payload: Array("null".utf8), logTail: true)
            #expect(result.jsonString == "1")
            #expect(result.logTail?.contains("hello from the function") == true)
        }
    }

    @Test func scopedFormRemovesItsContainers() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { await docker.shutdown() } }
        var owner: DispatcherIdentity?
        let result = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
            owner = dispatcher.identity
            return try await dispatcher.invoke(code: Functions.echo, json: "[1]")
        }
        #expect(result == "[1]")
        #expect(try await TestEnvironment.containerIDs(docker, owner: try #require(owner)).isEmpty)

        // Also when the body throws.
        await #expect(throws: DispatcherError.self) {
            try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
                owner = dispatcher.identity
                _ = try await dispatcher.invoke(code: "def entrypoint(d):\n    raise KeyError('k')\n", json: "{}")
            }
        }
        #expect(try await TestEnvironment.containerIDs(docker, owner: try #require(owner)).isEmpty)

        let once = try await Dispatcher.invoke(code: Functions.echo, json: #""x""#, configuration: TestEnvironment.configuration())
        #expect(once == #""x""#)
    }

    // MARK: Failures: each has its own error, and the next call works

    @Test func userExceptionComesBackWithTypeMessageAndTraceback() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = """
                def helper(x):
                    return 1 / x
                def entrypoint(data):
                    if data.get("fail"):
                        return helper(0)
                    return "fine"
                """
            do {
                _ = try await dispatcher.invoke(code: code, json: #"{"fail": true}"#)
                Issue.record("expected the call to fail")
            } catch DispatcherError.functionFailed(let type, let message, let traceback, _) {
                #expect(type == "ZeroDivisionError")
                #expect(message.contains("division by zero"))
                #expect(traceback.joined().contains("helper"))
            }
            #expect(try await dispatcher.invoke(code: code, json: "{}") == #""fine""#)
            #expect(dispatcher.runners().count == 1, "an exception does not cost the container")
        }
    }

    /// The function names its exceptions: one called like a runner's own error (gevent's `Timeout`,
    /// an `InternalError`) is still the function's failure, not a timeout or a broken runner, and
    /// its runner is kept. The dispatcher goes by the runner's `X-Function-Error`, not the name.
    @Test func anExceptionNamedLikeARunnerErrorIsTheFunctions() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = """
                class Timeout(Exception): pass
                class InternalError(Exception): pass
                class NotLoaded(Exception): pass
                def entrypoint(data):
                    raise {"Timeout": Timeout, "InternalError": InternalError, "NotLoaded": NotLoaded}[data]("mine")
                """
            for name in ["Timeout", "InternalError", "NotLoaded"] {
                await #expect {
                    _ = try await dispatcher.invoke(code: code, json: "\"\(name)\"")
                } throws: { error in
                    guard case DispatcherError.functionFailed(let type, let message, _, _) = error else { return false }
                    return type == name && message == "mine"
                }
            }
            #expect(dispatcher.runners().count == 1, "the runner is kept")
        }
    }

    @Test func loadErrorsSayWhatIsWrongWithTheCode() async throws {
        try await withDispatcher { dispatcher, _ in
            await #expect {
                _ = try await dispatcher.invoke(code: "def entrypoint(data) return 1\n", json: "{}")
            } throws: { error in
                guard case DispatcherError.loadFailed(let type, _, _) = error else { return false }
                return type == "SyntaxError"
            }
            await #expect {
                _ = try await dispatcher.invoke(code: "x = 1\n", json: "{}")
            } throws: { error in
                guard case DispatcherError.loadFailed(let type, _, _) = error else { return false }
                return type == "EntrypointNotFound"
            }
            await #expect {
                _ = try await dispatcher.invoke(code: Functions.echo, json: "{not json")
            } throws: { error in
                guard case DispatcherError.invalidPayload = error else { return false }
                return "\(error)".contains("not valid JSON")
            }
            let echoed = try await dispatcher.invoke(code: Functions.echo, json: "2")
            #expect(echoed == "2")
        }
    }

    @Test func timeoutKillsAndReplacesTheContainer() async throws {
        try await withDispatcher { dispatcher, docker in
            let code = """
                import time
                def entrypoint(data):
                    time.sleep(data["sleep"])
                    return "woke"
                """
            _ = try await dispatcher.invoke(code: code, json: #"{"sleep": 0}"#)
            let before = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity)
            var configuration = dispatcher.configuration.function
            configuration.timeout = .seconds(1)
            let started = ContinuousClock.now
            do {
                _ = try await dispatcher.invoke(code: code, json: #"{"sleep": 30}"#, configuration: configuration)
                Issue.record("expected a timeout")
            } catch let error as DispatcherError {
                guard case .timedOut(let seconds, _) = error else {
                    Issue.record("expected a timeout, got \(error)")
                    return
                }
                #expect(seconds == 1)
                #expect(error.description.contains("timed out after 1 s"))
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            let gone = try await TestEnvironment.eventually {
                try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isDisjoint(with: before)
            }
            #expect(gone, "the timed-out container is removed")
            let replaced = await TestEnvironment.eventually {
                dispatcher.runners().contains { $0.codeHash == Functions.sha256(code) && !$0.busy }
            }
            #expect(replaced, "a fresh container replaces it in the background")
            #expect(try await dispatcher.invoke(code: code, json: #"{"sleep": 0}"#, configuration: configuration) == #""woke""#)
        }
    }

    @Test func outOfMemorySaysTheLimitWasHit() async throws {
        try await withDispatcher { dispatcher, docker in
            var configuration = dispatcher.configuration.function
            configuration.memoryBytes = 64 << 20
            let code = """
                def entrypoint(data):
                    if data.get("hog"):
                        block = b"x" * (512 * 1024 * 1024)
                        return len(block)
                    return "small"
                """
            await #expect {
                _ = try await dispatcher.invoke(code: code, json: #"{"hog": true}"#, configuration: configuration)
            } throws: { error in
                guard case DispatcherError.outOfMemory(let limit) = error else { return false }
                return limit == 64 << 20 && "\(error)".contains("memory limit of 64 MiB")
            }
            let afterHog = try await dispatcher.invoke(code: code, json: "{}", configuration: configuration)
            #expect(afterHog == #""small""#)
            let containerCount = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).count
            #expect(containerCount == 1)
        }
    }

    @Test func runnerDeathReportsTheExitCode() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = """
                import os, ctypes
                def entrypoint(data):
                    if data == "exit":
                        os._exit(3)
                    if data == "segfault":
                        ctypes.string_at(0)
                    return "alive"
                """
            await #expect {
                _ = try await dispatcher.invoke(code: code, json: #""exit""#)
            } throws: { error in
                guard case DispatcherError.runnerDied(let exitCode, _) = error else { return false }
                return exitCode == 3 && "\(error)".contains("exit code 3")
            }
            let afterExit = try await dispatcher.invoke(code: code, json: "null")
            #expect(afterExit == #""alive""#)
            await #expect {
                _ = try await dispatcher.invoke(code: code, json: #""segfault""#)
            } throws: { error in
                guard case DispatcherError.runnerDied(let exitCode, _) = error else { return false }
                return exitCode == 139 && "\(error)".contains("signal 11")
            }
            let afterSegfault = try await dispatcher.invoke(code: code, json: "null")
            #expect(afterSegfault == #""alive""#)
        }
    }
}
