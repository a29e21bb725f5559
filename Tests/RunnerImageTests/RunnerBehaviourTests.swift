import Foundation
import RunnerProtocol
import Testing

/// Behaviours that the runner image must keep, each once found broken (issue 6): run against an older
/// image with `RUNNER_IMAGE=...` to see them fail there.
@Suite("Runner findings, against the image", .serialized, .enabled(if: Docker.shouldRun))
struct RunnerBehaviourTests {
    /// The old interpreter thread kept the GIL after a queued request timed out and then waited for
    /// work holding it: threads started by the function stood still until the next request.
    @Test
    func threadsOfTheFunctionRunWhileTheRunnerWaits() async throws {
        let runner = try await SocketRunner.start(prefix: "pylambda-find")
        defer { runner.remove() }
        let (client, directory) = (runner.client, runner.directory.path)
        let code = """
            import os, threading, time

            ticks = []

            def tick():
                while True:
                    time.sleep(0.005)
                    ticks.append(1)

            threading.Thread(target=tick, daemon=True).start()

            def entrypoint(data):
                if data == 'slow':
                    open('/run/pylambda/slow-started', 'w').close()
                    # Until the test has its answer to the late call (at most 10 s).
                    for _ in range(2000):
                        if os.path.exists('/run/pylambda/release'):
                            break
                        time.sleep(0.005)
                return len(ticks)
            """
        #expect(try await client.load(code).status == 200)
        async let slow = client.run(#""slow""#)
        // The late call must queue behind the slow one: it is sent only once the slow one runs, and
        // the slow one ends only once the late one is answered. (Fixed pauses lost both races on a
        // loaded CI machine: the late call ran first once, and once only after the slow one ended.)
        let slowStarted = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: "\(directory)/slow-started"), ContinuousClock.now < slowStarted {
            try await Task.sleep(for: .milliseconds(5))
        }
        let late = try await client.run(#""late""#, headers: [(RunnerHeader.timeoutMilliseconds, "50")])
        #expect(FileManager.default.createFile(atPath: "\(directory)/release", contents: nil))
        #expect(late.status == 504, "the queued call answered \(late.status): \(late.body)")
        _ = try await slow
        let before = Int(try await client.run(#""count""#).body) ?? 0
        try await Task.sleep(for: .milliseconds(500))
        let after = Int(try await client.run(#""count""#).body) ?? 0
        #expect(after > before + 10, "the function's thread ticked \(after - before) times in 0.5 s of idle")
    }

    /// A package's modules named like standard ones (`token.py`, `types.py`) broke `import logging`
    /// and the runner's own report of the function's errors: the standard modules win now, as on
    /// Lambda. The package runs in its own directory, and the runner's settings are not in its
    /// environment.
    @Test
    func aPackageRunsInItsDirectoryAndCannotShadowTheStandardLibrary() async throws {
        let runner = try await SocketRunner.start(environment: ["RUNNER_IDLE_TTL=600"], prefix: "pylambda-find")
        defer { runner.remove() }
        let package = runner.directory.path + "/pkg"
        let files = [
            "main.py": """
                import code, dataclasses, functools, logging, os

                def logged(function):
                    @functools.wraps(function)
                    def wrapper(*args):
                        return function(*args)
                    return wrapper

                @logged
                def entrypoint(data):
                    if data == 'fail':
                        raise ValueError('failed on purpose')
                    return {'cwd': os.getcwd(), 'config': open('data/config.json').read(), 'root': os.environ['LAMBDA_TASK_ROOT'],
                            'settings': sorted(name for name in os.environ if name.startswith('RUNNER_')), 'code': code.ORIGIN}
                """,
            "token.py": "def make_token():\n    return 'the package token'\n",
            "types.py": "class Thing:\n    pass\n",
            // What the runner's own `import inspect` (to read a decorated handler) brings.
            "dis.py": "X = 1\n",
            // A name the standard library has but neither the runner nor Lambda imports ahead: the package's.
            "code.py": "ORIGIN = 'the package'\n",
            "data/config.json": #"{"from": "the package"}"#,
        ]
        for (name, text) in files {
            let path = package + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let load = try String(decoding: JSONEncoder().encode(LoadRequest(package: "/run/pylambda/pkg")), as: UTF8.self)
        let loaded = try await runner.client.request(RunnerPath.load, body: load)
        #expect(loaded.status == 200, "import logging with a types.py in the package: \(loaded.body)")
        let failed = try await runner.client.run(#""fail""#)
        #expect(failed.status == 500 && failed.error?.error.type == "ValueError", "the function's own error, reported: \(failed.body)")
        let answer = try await runner.client.run("1")
        let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        #expect(object?["cwd"] as? String == "/run/pylambda/pkg" && object?["root"] as? String == "/run/pylambda/pkg", "\(answer.body)")
        #expect(object?["config"] as? String == #"{"from": "the package"}"#, "\(answer.body)")
        #expect(object?["code"] as? String == "the package", "the package's own code.py: \(answer.body)")
        #expect(object?["settings"] as? [String] == [], "RUNNER_IDLE_TTL is the runner's, not the function's: \(answer.body)")
    }

    /// A request sent as the idle TTL ends is answered, or refused unread: never run, then dropped.
    @Test
    func theIdleExitNeverDropsARequestItRan() async throws {
        var ranUnanswered: [Int] = []
        for attempt in 0..<10 {
            let runner = try await SocketRunner.start(environment: ["RUNNER_IDLE_TTL=1"], prefix: "pylambda-find")
            defer { runner.remove() }
            let (container, client, directory) = (runner.container, runner.client, runner.directory.path)
            // The function leaves a marker in the shared directory when it runs.
            #expect(try await client.load("def entrypoint(data):\n    open('/run/pylambda/ran', 'w').close()\n    return 'ran'\n").status == 200)
            try await Task.sleep(for: .milliseconds(930 + attempt * 15))
            let response = try? await client.run("1", headers: [], timeout: .seconds(5))
            let ran = FileManager.default.fileExists(atPath: "\(directory)/ran")
            if ran && response?.status != 200 { ranUnanswered.append(attempt) }
            _ = try await container.waitForExit(within: 10)
        }
        #expect(ranUnanswered.isEmpty, "attempts whose request ran but got no answer: \(ranUnanswered)")
    }
}
