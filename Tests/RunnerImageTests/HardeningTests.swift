import Foundation
import RunnerProtocol
import Testing

/// The runner image as the dispatcher will start it: an init process as PID 1, a noexec /tmp, log
/// rotation, and a socket directory that the host seals once the socket exists.
@Suite("The runner image, hardened as the dispatcher starts it", .serialized, .enabled(if: Docker.shouldRun))
struct HardeningTests {
    private static let hardened = [
        "--init", "--network", "none", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--user", "65534:65534", "--tmpfs", "/tmp:rw,noexec,nosuid,nodev,size=16m",
        "--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt", "max-file=2",
    ]

    private static let probe = """
        import os, subprocess

        def entrypoint(data):
            if data == 'tmp':
                with open('/tmp/script.sh', 'w') as script:
                    script.write('#!/bin/sh\\necho ran\\n')
                os.chmod('/tmp/script.sh', 0o755)
                try:
                    subprocess.run(['/tmp/script.sh'], check=True, capture_output=True)
                    executed = True
                except PermissionError:
                    executed = False
                return {'pid': os.getpid(), 'tmp_writable': True, 'tmp_executable': executed}
            if data == 'orphan':
                # A grandchild whose parent exits: only an init process reaps it.
                subprocess.Popen(['/bin/sh', '-c', 'sleep 0.1 &'])
                return 'spawned'
            return {'echo': data}
        """

    /// Seals a socket directory as the host does once the runner has bound its socket (root-owned,
    /// 0755), so that the container can no longer create or remove anything in it.
    private func seal(_ directory: SocketDirectory) {
        chown(directory.path, 0, 0)
        chmod(directory.path, 0o755)
    }

    @Test
    func underAnInitWithANoexecTmpAndASealedDirectoryItServesAndDrains() async throws {
        let directory = try SocketDirectory(prefix: "pylambda-seal")
        defer { directory.remove() }
        let container = try RunnerContainer.start(Self.hardened + directory.mount, command: ["--unix-socket", "/run/pylambda/runner.sock"])
        defer { container.remove() }
        let client = directory.client
        try await client.waitUntilReady(orExplainWith: container)
        seal(directory)

        #expect(try await client.load(Self.probe).status == 200)
        let tmp = try JSONSerialization.jsonObject(with: Data(try await client.run(#""tmp""#).body.utf8)) as? [String: Any]
        #expect(tmp?["tmp_writable"] as? Bool == true)
        #expect(tmp?["tmp_executable"] as? Bool == false, "/tmp is noexec")
        #expect((tmp?["pid"] as? Int ?? 1) > 1, "the runner is not PID 1: the init is")
        for _ in 0..<3 { #expect(try await client.run(#""orphan""#).status == 200) }

        async let inFlight = client.run(#"{"n": 1}"#)
        _ = try await inFlight
        let stop = try Docker.run(["stop", "-t", "20", container.id])
        #expect(stop.status == 0)
        #expect(container.exitCode == 0, "logs: \(container.logs)")
        #expect(!container.logs.contains("error") && !container.logs.contains("critical"), "logs: \(container.logs)")
        var status = stat()
        #expect(lstat("\(directory.path)/runner.sock", &status) == 0, "the runner leaves its socket where it was")
    }

    @Test
    func anIdleRunnerInASealedDirectoryExitsZero() async throws {
        let directory = try SocketDirectory(prefix: "pylambda-seal")
        defer { directory.remove() }
        // 3 s, not 1: on a loaded machine (a CI run) more than a second passed between the runner's
        // readiness and the test's /load, and the runner had already left (connection refused).
        let container = try RunnerContainer.start(Self.hardened + ["-e", "RUNNER_IDLE_TTL=3"] + directory.mount, command: ["--unix-socket", "/run/pylambda/runner.sock"])
        defer { container.remove() }
        let client = directory.client
        try await client.waitUntilReady(orExplainWith: container)
        seal(directory)
        #expect(try await client.load(Self.probe).status == 200)
        #expect(try await client.run("1").status == 200)
        #expect(try await container.waitForExit(within: 15) == 0, "logs: \(container.logs)")
    }

    @Test
    func aPackageAndItsDependenciesMountedReadOnlyLoadAsALambdaHandler() async throws {
        let root = NSTemporaryDirectory() + "pylambda-pkg-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = [
            "function/app/__init__.py": "",
            "function/app/main.py": "from app import helper\nimport shout\n\ndef handler(event, context):\n    return {'text': shout.loud(helper.greet(event['name'])), 'request': context.aws_request_id, 'remaining': context.get_remaining_time_in_millis() > 0}\n",
            "function/app/helper.py": "def greet(name):\n    return 'hello ' + name\n",
            "deps/shout.py": "def loud(text):\n    return text.upper()\n",
        ]
        for (path, text) in files {
            let file = "\(root)/\(path)"
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
        let directory = try SocketDirectory(prefix: "pylambda-seal")
        defer { directory.remove() }
        let container = try RunnerContainer.start(
            Self.hardened + directory.mount + ["-v", "\(root)/function:/var/task:ro", "-v", "\(root)/deps:/opt/deps:ro"],
            command: ["--unix-socket", "/run/pylambda/runner.sock"]
        )
        defer { container.remove() }
        let client = directory.client
        try await client.waitUntilReady(orExplainWith: container)
        let load = LoadRequest(package: "/var/task", handler: "app.main.handler", sysPath: ["/opt/deps"], digest: "abc123", function: FunctionMetadata(name: "greeter"))
        let loaded = try await client.request(RunnerPath.load, body: String(decoding: try JSONEncoder().encode(load), as: UTF8.self))
        #expect(loaded.status == 200, "\(loaded.body)")
        #expect(loaded.body.contains(#""code_sha256":"abc123""#))
        let response = try await client.run(#"{"name": "lambda"}"#, headers: [(RunnerHeader.invocationID, "req-1")])
        #expect(response.body == #"{"text":"HELLO LAMBDA","request":"req-1","remaining":true}"#)
    }
}
