import Foundation
import Testing

@testable import Dispatcher

/// Everything that needs the real daemon. Serialized: the tests count and remove containers, and
/// two at once would see each other's.
@Suite(.serialized)
struct DockerBackedTests {
    /// Runs `body` with a dispatcher, then checks that shutting down left none of its containers.
    func withDispatcher(
        _ adjust: (inout DispatcherConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (Dispatcher, DockerClient) async throws -> Void
    ) async throws {
        guard let docker = await TestEnvironment.docker(sourceLocation: sourceLocation) else { return }
        let dispatcher = try await Dispatcher(configuration: TestEnvironment.configuration(adjust))
        do {
            try await body(dispatcher, docker)
        } catch {
            await dispatcher.shutdown()
            try? await docker.shutdown()
            throw error
        }
        await dispatcher.shutdown()
        if !dispatcher.configuration.keepWarmAfterShutdown {
            let left = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity)
            #expect(left.isEmpty, "containers left after shutdown: \(left)", sourceLocation: sourceLocation)
        }
        try await docker.shutdown()
    }

    // MARK: Calls and reuse

    @Test func runsAFunctionAndReusesItsContainer() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = Functions.counter("reuse")
            let first = try await dispatcher.run(code: code, input: [String: Int](), as: CallCounter.self)
            let second = try await dispatcher.run(code: code, input: [String: Int](), as: CallCounter.self)
            #expect(first.calls == 1)
            #expect(second.calls == 2, "the second call should reach the same warm container")
            #expect(await dispatcher.runners().count == 1)
            let echoed = try await dispatcher.run(code: Functions.echo, json: #"{"a": [1, 2.5, "x", null, true]}"#)
            #expect(echoed == #"{"a":[1,2.5,"x",null,true]}"#)
            #expect(await dispatcher.runners().count == 2, "new code gets its own container")
        }
    }

    @Test func logTailComesBackWhenAskedFor() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = "def entrypoint(data):\n    print('hello from the function')\n    return 1\n"
            let result = try await dispatcher.run(code: code, data: Array("null".utf8), logTail: true)
            #expect(result.jsonString == "1")
            #expect(result.logTail?.contains("hello from the function") == true)
        }
    }

    @Test func scopedFormRemovesItsContainers() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { try? await docker.shutdown() } }
        var owner: DispatcherIdentity?
        let result = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
            owner = dispatcher.identity
            return try await dispatcher.run(code: Functions.echo, json: "[1]")
        }
        #expect(result == "[1]")
        #expect(try await TestEnvironment.containerIDs(docker, owner: try #require(owner)).isEmpty)

        // Also when the body throws.
        await #expect(throws: DispatcherError.self) {
            try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
                owner = dispatcher.identity
                _ = try await dispatcher.run(code: "def entrypoint(d):\n    raise KeyError('k')\n", json: "{}")
            }
        }
        #expect(try await TestEnvironment.containerIDs(docker, owner: try #require(owner)).isEmpty)

        let once = try await Dispatcher.run(code: Functions.echo, json: #""x""#, configuration: TestEnvironment.configuration())
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
                _ = try await dispatcher.run(code: code, json: #"{"fail": true}"#)
                Issue.record("expected the call to fail")
            } catch DispatcherError.functionFailed(let type, let message, let traceback, _) {
                #expect(type == "ZeroDivisionError")
                #expect(message.contains("division by zero"))
                #expect(traceback.joined().contains("helper"))
            }
            #expect(try await dispatcher.run(code: code, json: "{}") == #""fine""#)
            #expect(await dispatcher.runners().count == 1, "an exception does not cost the container")
        }
    }

    @Test func loadErrorsSayWhatIsWrongWithTheCode() async throws {
        try await withDispatcher { dispatcher, _ in
            await #expect {
                _ = try await dispatcher.run(code: "def entrypoint(data) return 1\n", json: "{}")
            } throws: { error in
                guard case DispatcherError.loadFailed(let type, _, _) = error else { return false }
                return type == "SyntaxError"
            }
            await #expect {
                _ = try await dispatcher.run(code: "x = 1\n", json: "{}")
            } throws: { error in
                guard case DispatcherError.loadFailed(let type, _, _) = error else { return false }
                return type == "EntrypointNotFound"
            }
            await #expect {
                _ = try await dispatcher.run(code: Functions.echo, json: "{not json")
            } throws: { error in
                guard case DispatcherError.invalidPayload = error else { return false }
                return "\(error)".contains("not valid JSON")
            }
            let echoed = try await dispatcher.run(code: Functions.echo, json: "2")
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
            _ = try await dispatcher.run(code: code, json: #"{"sleep": 0}"#)
            let before = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity)
            var function = dispatcher.configuration.function
            function.timeout = .seconds(1)
            let started = ContinuousClock.now
            do {
                _ = try await dispatcher.run(code: code, data: Array(#"{"sleep": 30}"#.utf8), function: function)
                Issue.record("expected a timeout")
            } catch let error as DispatcherError {
                guard case .timedOut(let seconds) = error else {
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
                await dispatcher.runners().contains { $0.codeHash == Dispatcher.sha256(code) && !$0.busy }
            }
            #expect(replaced, "a fresh container replaces it in the background")
            #expect(try await dispatcher.run(code: code, json: #"{"sleep": 0}"#) == #""woke""#)
        }
    }

    @Test func outOfMemorySaysTheLimitWasHit() async throws {
        try await withDispatcher { dispatcher, docker in
            var function = dispatcher.configuration.function
            function.memoryBytes = 64 << 20
            let code = """
                def entrypoint(data):
                    if data.get("hog"):
                        block = b"x" * (512 * 1024 * 1024)
                        return len(block)
                    return "small"
                """
            await #expect {
                _ = try await dispatcher.run(code: code, data: Array(#"{"hog": true}"#.utf8), function: function)
            } throws: { error in
                guard case DispatcherError.outOfMemory(let limit) = error else { return false }
                return limit == 64 << 20 && "\(error)".contains("memory limit of 64 MiB")
            }
            let afterHog = try await dispatcher.run(code: code, data: Array("{}".utf8), function: function).jsonString
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
                _ = try await dispatcher.run(code: code, json: #""exit""#)
            } throws: { error in
                guard case DispatcherError.runnerDied(let exitCode, _) = error else { return false }
                return exitCode == 3 && "\(error)".contains("exit code 3")
            }
            let afterExit = try await dispatcher.run(code: code, json: "null")
            #expect(afterExit == #""alive""#)
            await #expect {
                _ = try await dispatcher.run(code: code, json: #""segfault""#)
            } throws: { error in
                guard case DispatcherError.runnerDied(let exitCode, _) = error else { return false }
                return exitCode == 139 && "\(error)".contains("signal 11")
            }
            let afterSegfault = try await dispatcher.run(code: code, json: "null")
            #expect(afterSegfault == #""alive""#)
        }
    }

    // MARK: Hardening

    @Test func containersAreHardenedByDefault() async throws {
        try await withDispatcher { dispatcher, docker in
            let code = """
                import os, socket
                def entrypoint(data):
                    status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
                    try:
                        open("/rootfs-write-test", "w")
                        root_writable = True
                    except OSError:
                        root_writable = False
                    with open("/tmp/ok", "w") as f:
                        f.write("tmp is writable")
                    try:
                        socket.create_connection(("1.1.1.1", 53), timeout=1)
                        network = True
                    except OSError:
                        network = False
                    return {
                        "uid": os.getuid(), "gid": os.getgid(),
                        "interfaces": sorted(os.listdir("/sys/class/net")),
                        "root_writable": root_writable, "network": network,
                        "seccomp": status["Seccomp"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
                        "cap_eff": status["CapEff"].strip(),
                    }
                """
            struct Inside: Decodable {
                var uid: Int, gid: Int, interfaces: [String], root_writable: Bool, network: Bool
                var seccomp: String, no_new_privs: String, cap_eff: String
            }
            let inside = try await dispatcher.run(code: code, input: [String: Int](), as: Inside.self)
            #expect(inside.uid == 65534 && inside.gid == 65534)
            #expect(inside.interfaces == ["lo"])
            #expect(!inside.network)
            #expect(!inside.root_writable)
            #expect(inside.seccomp == "2", "Docker's default seccomp profile is a filter (mode 2)")
            #expect(inside.no_new_privs == "1")
            #expect(inside.cap_eff == "0000000000000000")

            let id = try #require(await dispatcher.runners().first?.id)
            let inspect = try await docker.inspectContainer(id)
            let host = inspect.HostConfig
            #expect(host.NetworkMode == "none")
            #expect(host.ReadonlyRootfs == true)
            #expect(host.CapDrop == ["ALL"])
            #expect(host.SecurityOpt?.contains("no-new-privileges:true") == true)
            #expect(host.SecurityOpt?.contains { $0.hasPrefix("seccomp") } != true, "no custom (or unconfined) seccomp")
            #expect(host.Memory == 256 << 20 && host.MemorySwap == 256 << 20)
            #expect(host.NanoCpus == 1_000_000_000)
            #expect(host.PidsLimit == 256)
            #expect(host.Ulimits == [.init(Name: "nofile", Soft: 1024, Hard: 1024)])
            #expect(host.Tmpfs?["/tmp"]?.contains("size=") == true)
            #expect(inspect.Config.User == "65534:65534")
            let labels = inspect.Config.Labels ?? [:]
            #expect(labels[ContainerLabel.managed] == "true")
            #expect(labels[ContainerLabel.codeHash] == Dispatcher.sha256(code))
            #expect(labels[ContainerLabel.owner] == dispatcher.identity.description)
        }
    }
}
