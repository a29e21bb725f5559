import Foundation
import RunnerProtocol
import Testing

private let probe = """
    import os, socket

    def entrypoint(data):
        if data == "identity":
            try:
                open("/probe", "w")
                writable = True
            except OSError:
                writable = False
            try:
                socket.create_connection(("127.0.0.1", 9), timeout=0.5)
                network = "connected"
            except OSError as error:
                network = type(error).__name__
            interfaces = sorted(name for _, name in socket.if_nameindex())
            with open("/tmp/scratch", "w") as scratch:
                scratch.write("ok")
            return {"uid": os.getuid(), "gid": os.getgid(), "root_writable": writable,
                    "interfaces": interfaces, "tmp_writable": True}
        if data == "spin":
            while True:
                pass
        if data == "stuck":
            return sum(range(10**12))   # one C call that never checks for signals: cannot be interrupted
        if isinstance(data, dict) and "sleep" in data:
            import time
            time.sleep(data["sleep"])
            return {"slept": data["sleep"]}
        return {"echo": data}
    """

@Suite("The runner image in a real dockerd", .serialized, .enabled(if: Docker.shouldRun))
struct RunnerImageTests {
    @Test
    func servesOverTCPOnTheHostNetwork() async throws {
        let port = try freePort()
        let container = try RunnerContainer.start(["--network", "host"], command: ["--host", "127.0.0.1", "--port", "\(port)"])
        defer { container.remove() }
        let client = RunnerClient(address: .tcp(port: port))
        try await client.waitUntilReady(orExplainWith: container)

        #expect(try await client.load(probe).status == 200)
        let response = try await client.run(#"{"hello": "wörld"}"#)
        #expect(response.status == 200)
        #expect(response.body == #"{"echo":{"hello":"wörld"}}"#)
        // The image runs as nobody even without --user.
        #expect(try await client.run(#""identity""#).body.contains(#""uid":65534"#))
    }

    @Test
    func servesOverAUnixSocketInAHardenedContainer() async throws {
        let directory = try SocketDirectory()
        defer { directory.remove() }
        let container = try RunnerContainer.start(
            [
                "--network", "none", "--read-only", "--tmpfs", "/tmp:size=16m", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--user", "65534:65534",
            ] + directory.mount,
            command: ["--unix-socket", "/run/pylambda/runner.sock"]
        )
        defer { container.remove() }
        let client = directory.client
        try await client.waitUntilReady(orExplainWith: container)

        #expect(try await client.load(probe).status == 200)
        let identity = try JSONSerialization.jsonObject(with: Data(try await client.run(#""identity""#).body.utf8)) as? [String: Any]
        #expect(identity?["uid"] as? Int == 65534)
        #expect(identity?["gid"] as? Int == 65534)
        #expect(identity?["root_writable"] as? Bool == false)
        #expect(identity?["interfaces"] as? [String] == ["lo"])
        #expect(identity?["tmp_writable"] as? Bool == true)
        #expect(try await client.run("[1, 2, 3]").body == #"{"echo":[1,2,3]}"#)
    }

    @Test
    func theImageStartsFromItsPrecompiledSupportCode() async throws {
        let runner = try await SocketRunner.start(environment: ["RUNNER_LOG_LEVEL=debug"])
        defer { runner.remove() }
        let (container, client) = (runner.container, runner.client)
        #expect(try await client.load(probe).status == 200)
        #expect(container.logs.contains("support modules read from the code cache"), "logs: \(container.logs)")
    }

    @Test
    func aRunawayInvocationIs504AndTheRunnerRecovers() async throws {
        // No grace at all: Python code is still interrupted (only code stuck in C costs the runner).
        let runner = try await SocketRunner.start(environment: ["RUNNER_TIMEOUT=0.5", "RUNNER_TIMEOUT_GRACE=0"])
        defer { runner.remove() }
        let (container, client) = (runner.container, runner.client)
        #expect(try await client.load(probe).status == 200)
        let spin = try await client.run(#""spin""#)
        #expect(spin.status == 504)
        #expect(spin.error?.error.type == RunnerErrorType.timeout)
        #expect(try await client.run(#""next""#).body == #"{"echo":"next"}"#)
        #expect(container.isRunning)
    }

    @Test
    func anUninterruptibleInvocationIs504AndTheRunnerExits124() async throws {
        let runner = try await SocketRunner.start(environment: ["RUNNER_TIMEOUT=0.5", "RUNNER_TIMEOUT_GRACE=0.5"])
        defer { runner.remove() }
        let (container, client) = (runner.container, runner.client)
        #expect(try await client.load(probe).status == 200)
        let stuck = try await client.run(#""stuck""#)
        #expect(stuck.status == 504)
        #expect(stuck.error?.error.type == RunnerErrorType.unresponsive)
        let exitCode = try await container.waitForExit(within: 10)
        #expect(exitCode == Int(RunnerExitCode.unresponsive), "logs: \(container.logs)")
    }

    @Test
    func anIdleRunnerExitsZero() async throws {
        let runner = try await SocketRunner.start(environment: ["RUNNER_IDLE_TTL=1"])
        defer { runner.remove() }
        let (container, client) = (runner.container, runner.client)
        #expect(try await client.load(probe).status == 200)
        #expect(try await client.run("1").status == 200)
        let exitCode = try await container.waitForExit(within: 10)
        #expect(exitCode == 0, "logs: \(container.logs)")
    }

    @Test
    func sigtermFinishesTheInvocationInFlightThenExitsZero() async throws {
        let runner = try await SocketRunner.start(environment: [])
        defer { runner.remove() }
        let (container, client) = (runner.container, runner.client)
        #expect(try await client.load(probe).status == 200)
        async let inFlight = client.run(#"{"sleep": 1.5}"#)
        try await Task.sleep(for: .milliseconds(400))
        let stop = try Docker.run(["stop", "-t", "20", container.id])
        #expect(stop.status == 0)
        let response = try await inFlight
        #expect(response.status == 200)
        #expect(response.body == #"{"slept":1.5}"#)
        #expect(container.exitCode == 0, "logs: \(container.logs)")
    }
}
