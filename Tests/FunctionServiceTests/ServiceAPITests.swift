import Crypto
import Foundation
import RawConnectionTesting
import Testing

/// Every row of the API table with real HTTP against a real `pylambda serve`, its containers and its
/// SQLite registry. Serialized: the tests count containers and start serve processes.
@Suite(.serialized)
struct ServiceAPITests {
    static let echo = "def entrypoint(data):\n    return {'echo': data}\n"

    /// A serve for the body; stopped (SIGTERM) and checked to leave no runner behind.
    func withServe(
        _ extra: [String] = [], warmPool: Int = 1, cpus: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (ServeProcess) async throws -> Void
    ) async throws {
        let serve = try await ServeProcess(warmPool: warmPool, extra: extra, cpus: cpus)
        do {
            try await body(serve)
        } catch {
            _ = await serve.stop()
            serve.removeState()
            throw error
        }
        let status = await serve.stop()
        #expect(status == 0, "serve exited with \(status) on SIGTERM:\n\(serve.logText().suffix(2000))", sourceLocation: sourceLocation)
        #expect(serve.runnerDirectories().isEmpty, "runners left after SIGTERM: \(serve.runnerDirectories())", sourceLocation: sourceLocation)
        serve.removeState()
    }

    @Test func healthNeedsNoKeyEverythingElseDoes() async throws {
        try await withServe { serve in
            #expect(try await serve.call(.GET, "/healthz", key: "").status == 200)
            let anonymous = try await ServiceHTTP.shared.request(.GET, serve.url + "/v1/functions")
            #expect(anonymous.status == 401 && anonymous.errorType == "Unauthorized")
            #expect(anonymous.headers.first(name: "WWW-Authenticate") == "Bearer")
            #expect(try await serve.call(.GET, "/v1/functions", key: "not-a-key").status == 401)
            let twice = try await serve.call(.GET, "/v1/functions", headers: [("Authorization", "Bearer \(serve.adminKey)")])
            #expect(twice.status == 401 && twice.errorMessage == "send one Authorization header, not 2", "\(twice.text)")
            #expect(try await ServiceHTTP.shared.request(.GET, serve.url + "/metrics").status == 401)
            let metrics = try await serve.call(.GET, "/metrics")
            #expect(metrics.status == 200 && metrics.text.contains("pylambda_http_requests_total"))
            let document = try await serve.call(.GET, "/openapi.json")
            #expect(document.status == 200 && document.object["openapi"] as? String == "3.1.0")
            let nowhere = try await serve.call(.GET, "/v1/nowhere")
            #expect(nowhere.status == 404 && nowhere.object["detail"] != nil)
        }
    }

    @Test func deployListReadVersionsAndDelete() async throws {
        try await withServe { serve in
            let created = try await serve.deploy("echo", code: Self.echo, settings: ["memory_mb": 128, "timeout_s": 5, "concurrency": 2, "env": ["MODE": "test"]])
            #expect(created.status == 201, "\(created.text)")
            let version = created.object
            #expect(version["name"] as? String == "echo" && version["version"] as? Int == 1)
            #expect(version["code_sha256"] as? String == SHA256.hash(data: Array(Self.echo.utf8)).map { String(format: "%02x", $0) }.joined())
            #expect(version["memory_mb"] as? Int == 128 && version["timeout_s"] as? Double == 5 && version["concurrency"] as? Int == 2)
            #expect(version["env"] as? [String] == ["MODE"], "names, not values")
            #expect(version["created_at"] is String)
            let second = try await serve.deploy("echo", code: Self.echo + "# v2\n")
            #expect(second.status == 200 && second.object["version"] as? Int == 2)

            let list = try await serve.call(.GET, "/v1/functions").object["functions"] as? [[String: Any]]
            #expect(list?.map { $0["name"] as? String } == ["echo"])
            let function = try await serve.call(.GET, "/v1/functions/echo").object
            #expect((function["latest"] as? [String: Any])?["version"] as? Int == 2)
            #expect(function["versions"] as? Int == 2)
            _ = try await serve.invoke("echo", "1")
            let counted = try await serve.call(.GET, "/v1/functions/echo").object
            #expect((counted["invocations"] as? [String: Int])?["succeeded"] == 1)
            let versions = try await serve.call(.GET, "/v1/functions/echo/versions").object["versions"] as? [[String: Any]]
            #expect(versions?.map { $0["version"] as? Int } == [2, 1])

            #expect(try await serve.call(.DELETE, "/v1/functions/echo").status == 204)
            #expect(try await serve.call(.GET, "/v1/functions/echo").status == 404)
            #expect(try await serve.invoke("echo").status == 404)
            #expect(try await serve.call(.DELETE, "/v1/functions/echo").status == 404)
            // Deployed again: a new function, from version 1.
            #expect(try await serve.deploy("echo", code: Self.echo).object["version"] as? Int == 1)
        }
    }

    /// The metrics of the API table, per function; a deleted function's series leave `/metrics`.
    @Test func metricsCountCallsPerFunctionAndForgetDeletedOnes() async throws {
        try await withServe { serve in
            _ = try await serve.deploy("metered", code: Self.echo)
            _ = try await serve.deploy("kept", code: Self.echo)
            for _ in 0..<2 { #expect(try await serve.invoke("metered", "1").status == 200) }
            #expect(try await serve.invoke("kept", "1").status == 200)
            func series(_ name: String) async throws -> [Substring] {
                try await serve.call(.GET, "/metrics").text.split(separator: "\n").filter { $0.hasPrefix(name) }
            }
            let calls = try await series("pylambda_invocations_total{")
            #expect(calls.contains { $0.contains(#"function="metered""#) && $0.contains(#"outcome="succeeded""#) && $0.hasSuffix(" 2") }, "\(calls)")
            #expect(try await series("pylambda_invocation_duration_seconds_count{").contains { $0.contains(#"function="metered""#) && $0.hasSuffix(" 2") })
            #expect(try await series("pylambda_cold_starts_total{").contains { $0.contains(#"function="metered""#) })
            #expect(try await series("pylambda_containers{").count == 2, "busy and idle")
            #expect(try await series("pylambda_async_queue_depth").count == 1)
            // A known path with the wrong method: 405 with Allow, counted under the path's template.
            let patched = try await serve.call(.PATCH, "/v1/functions/metered")
            #expect(patched.status == 405 && patched.headers.first(name: "Allow") == "GET, PUT, DELETE", "\(patched.status) \(patched.text)")
            #expect(try await series("pylambda_http_requests_total{").contains { $0.contains(#"route="/v1/functions/{name}""#) && $0.contains(#"status="405""#) })

            // A cold start is counted on the call its runner was started for, even when that call
            // fails; input that is not JSON is not the function's failure.
            _ = try await serve.deploy("coldfail", code: "def entrypoint(data):\n    if data == 'fail':\n        raise ValueError(data)\n    return data\n")
            #expect(try await serve.invoke("coldfail", #""fail""#).status == 500)
            #expect(try await series("pylambda_cold_starts_total{").contains { $0.contains(#"function="coldfail""#) && $0.hasSuffix(" 1") })
            #expect(try await serve.invoke("coldfail", "1").status == 200)
            #expect(try await serve.invoke("coldfail", "{not json").status == 400)
            #expect(try await series("pylambda_cold_starts_total{").contains { $0.contains(#"function="coldfail""#) && $0.hasSuffix(" 1") })
            let outcomes = try await series("pylambda_invocations_total{").filter { $0.contains(#"function="coldfail""#) }
            for outcome in ["failed", "succeeded", "invalid_input"] {
                #expect(outcomes.contains { $0.contains(#"outcome="\#(outcome)""#) && $0.hasSuffix(" 1") }, "\(outcomes)")
            }

            #expect(try await serve.call(.DELETE, "/v1/functions/metered").status == 204)
            let after = try await serve.call(.GET, "/metrics").text
            #expect(!after.contains(#"function="metered""#), "the deleted function's series are gone")
            #expect(after.contains(#"function="kept""#), "the other function's stay")

            // A call still running when its function is deleted does not bring the series back.
            _ = try await serve.deploy("slow", code: "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n")
            #expect(try await serve.invoke("slow", "0").status == 200)
            async let late = serve.invoke("slow", "1.5")
            // Deleted once the call runs (it has a runner), however loaded the machine.
            try await serve.waitUntilACallRuns(of: "slow", within: .seconds(10))
            #expect(try await serve.call(.DELETE, "/v1/functions/slow").status == 204)
            #expect(try await late.status == 200)
            #expect(!(try await serve.call(.GET, "/metrics").text.contains(#"function="slow""#)))
        }
    }

    @Test func badDeploysAre400WithAReason() async throws {
        try await withServe { serve in
            for (name, body, reason) in [
                ("Bad-Name", #"{"code": "def entrypoint(d): return d"}"#, "not a function name"),
                ("ok", "{not json", "JSON"),
                ("ok", #"{"handler": "entrypoint"}"#, "no code"),
                ("ok", #"{"code": "def entrypoint(d): return d", "memory_mb": 1}"#, "memory_mb"),
                // Wrong JSON types name their field.
                ("ok", #"{"code": "def entrypoint(d): return d", "memory_mb": "lots"}"#, "memory_mb"),
                ("ok", #"{"code": "def entrypoint(d): return d", "timeout_s": 0}"#, "timeout_s"),
                ("ok", #"{"code": "def entrypoint(d): return d", "concurrency": 0}"#, "concurrency"),
                ("ok", #"{"code": "def entrypoint(d): return d", "runtime": "kata"}"#, "runtime"),
                ("ok", #"{"code": "def entrypoint(d): return d", "env": {"A=B": "c"}}"#, "env"),
                // A misspelt setting is not dropped.
                ("ok", #"{"code": "def entrypoint(d): return d", "timeout": 5}"#, #"unknown field "timeout"; the fields are code, zip"#),
            ] {
                let answer = try await serve.call(.PUT, "/v1/functions/\(name)", body: body)
                #expect(answer.status == 400, "\(body): \(answer.status) \(answer.text)")
                #expect((answer.object["detail"] as? String)?.contains(reason) == true, "\(body): \(answer.text)")
            }
            let huge = try await serve.deploy("broken", code: "# " + String(repeating: "x", count: 6 << 20))
            #expect(huge.status == 413 && huge.errorType == "PayloadTooLarge", "\(huge.status) \(huge.text.prefix(300))")
            let syntax = try await serve.deploy("broken", code: "def entrypoint(data) return 1\n")
            #expect(syntax.status == 400 && syntax.errorType == "SyntaxError", "\(syntax.text)")
            let imports = try await serve.deploy("broken", code: "import no_such_module\ndef entrypoint(d):\n    return d\n")
            #expect(imports.status == 400 && imports.errorType == "ModuleNotFoundError")
            #expect(((imports.object["error"] as? [String: Any])?["traceback"] as? [String])?.isEmpty == false)
            // Code that ends its runner while loading is the code's fault too, not the service's.
            let exits = try await serve.deploy("broken", code: "import os\nos._exit(3)\n")
            #expect(exits.status == 400 && exits.errorType == "Load.RunnerExited" && exits.text.contains("exit code 3"), "\(exits.status) \(exits.text)")
            #expect(try await serve.call(.GET, "/v1/functions/broken").status == 404, "nothing was stored")
        }
    }

    @Test func invokeSyncAsyncOlderVersionsAndRecords() async throws {
        try await withServe { serve in
            _ = try await serve.deploy("greet", code: "def entrypoint(data):\n    print('greeting', data['name'])\n    return 'hello ' + data['name']\n")
            let answer = try await serve.invoke("greet", #"{"name": "ada"}"#, headers: [("X-Log-Tail", "true")])
            #expect(answer.status == 200 && answer.text == #""hello ada""#)
            let id = try #require(answer.headers.first(name: "X-Invocation-Id"))
            #expect(answer.headers.first(name: "X-Function-Version") == "1")
            let tail = try #require(answer.headers.first(name: "X-Log-Tail").flatMap { Data(base64Encoded: $0) })
            #expect(String(decoding: tail, as: UTF8.self).contains("greeting ada"))
            let record = try await serve.call(.GET, "/v1/invocations/\(id)").object
            #expect(record["status"] as? String == "succeeded" && record["mode"] as? String == "sync")
            #expect(record["function"] as? String == "greet" && record["version"] as? Int == 1)
            #expect(record["duration_ms"] is Double && record["started_at"] is String)

            _ = try await serve.deploy("greet", code: "def entrypoint(data):\n    return 'hi ' + data['name']\n")
            #expect(try await serve.invoke("greet", #"{"name": "bob"}"#).text == #""hi bob""#)
            let old = try await serve.invoke("greet", #"{"name": "bob"}"#, query: "?version=1")
            #expect(old.text == #""hello bob""# && old.headers.first(name: "X-Function-Version") == "1")
            #expect(try await serve.invoke("greet", "{}", query: "?version=9").status == 404)
            #expect(try await serve.invoke("greet", "{}", query: "?version=x").status == 400)
            #expect(try await serve.invoke("greet", "{}", query: "?mode=later").status == 400)

            // An async input that is not JSON is refused at once, as a sync one is, not queued to fail.
            let notJSON = try await serve.invoke("greet", "{not json", query: "?mode=async")
            #expect(notJSON.status == 400 && notJSON.errorType == "InvalidRequest", "\(notJSON.status) \(notJSON.text)")
            let queued = try await serve.invoke("greet", #"{"name": "cy"}"#, query: "?mode=async")
            #expect(queued.status == 202)
            let asyncID = try #require(queued.object["invocation_id"] as? String)
            #expect(queued.headers.first(name: "X-Invocation-Id") == asyncID)
            let done = try await serve.waitForInvocation(asyncID)
            #expect(done["status"] as? String == "succeeded" && done["mode"] as? String == "async")
            #expect(done["result"] as? String == "hi cy")

            let latest = try await serve.call(.GET, "/v1/functions/greet/invocations?limit=2").object["invocations"] as? [[String: Any]]
            #expect(latest?.count == 2 && latest?.first?["id"] as? String == asyncID, "newest first")
            #expect(try await serve.call(.GET, "/v1/invocations/no-such-id").status == 404)
        }
    }

    @Test func everyKindOfFailureHasItsStatus() async throws {
        try await withServe(["--max-queued", "0"]) { serve in
            _ = try await serve.deploy(
                "moody",
                code: """
                    import os, time
                    def entrypoint(data):
                        if data == "raise":
                            raise ValueError("no, thanks")
                        if data == "sleep":
                            print("about to sleep", flush=True)
                            time.sleep(30)
                        if data == "hog":
                            return len(b"x" * (1 << 30))
                        if data == "die":
                            os._exit(7)
                        if data == "nan":
                            return float("nan")
                        if data == "huge":
                            return "x" * (7 << 20)
                        if isinstance(data, (int, float)):
                            time.sleep(data)
                        return "fine"
                    """, settings: ["timeout_s": 2, "memory_mb": 128, "concurrency": 1])
            let raised = try await serve.invoke("moody", #""raise""#)
            #expect(raised.status == 500 && raised.errorType == "ValueError")
            #expect(raised.headers.first(name: "X-Function-Error") == "Unhandled")
            let failedID = try #require(raised.headers.first(name: "X-Invocation-Id"))
            let failed = try await serve.call(.GET, "/v1/invocations/\(failedID)").object
            #expect(failed["status"] as? String == "failed" && (failed["error"] as? [String: Any])?["type"] as? String == "ValueError")
            #expect((failed["duration_ms"] as? Double).map { $0 > 0 } == true, "a failed call has its duration: \(failed)")
            let nan = try await serve.invoke("moody", #""nan""#)
            #expect(nan.status == 500 && nan.errorType == "ResultNotSerializable")
            let huge = try await serve.invoke("moody", #""huge""#)
            #expect(huge.status == 500 && huge.errorType == "ResultTooLarge" && huge.headers.first(name: "X-Function-Error") == "Unhandled", "\(huge.text)")

            let slow = try await serve.call(.POST, "/v1/functions/moody/invoke", body: #""sleep""#, headers: [("X-Log-Tail", "true")])
            #expect(slow.status == 504 && slow.errorType == "Timeout")
            let slowTail = slow.headers.first(name: "X-Log-Tail").flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
            #expect(slowTail == "about to sleep\n", "what a timed-out call printed: \(slowTail ?? "none")")
            let timedOut = try await serve.call(.GET, "/v1/invocations/\(slow.headers.first(name: "X-Invocation-Id") ?? "")").object
            #expect(timedOut["status"] as? String == "timed_out")
            #expect(timedOut["log_tail"] as? String == "about to sleep\n")
            #expect((timedOut["duration_ms"] as? Double).map { $0 >= 2000 } == true, "it ran its 2 s: \(timedOut)")
            let hog = try await serve.invoke("moody", #""hog""#)
            #expect(hog.status == 502 && hog.errorType == "OutOfMemory", "\(hog.text)")
            let died = try await serve.invoke("moody", #""die""#)
            #expect(died.status == 502 && died.errorType == "RunnerFailed", "\(died.text)")

            #expect(try await serve.invoke("moody", "{not json").status == 400)
            let big = try await serve.invoke("moody", "\"" + String(repeating: "x", count: 7 << 20) + "\"")
            #expect(big.status == 413 && big.errorType == "PayloadTooLarge")
            #expect(try await serve.invoke("nobody").status == 404)

            // Concurrency 1 and no queue: the second call while one runs is refused, with Retry-After.
            let busy = Task { try await serve.invoke("moody", "1.5") }
            try await Task.sleep(for: .milliseconds(500))
            let refused = try await serve.invoke("moody", "0")
            #expect(refused.status == 429 && refused.errorType == "TooManyRequests", "\(refused.text)")
            #expect(refused.headers.first(name: "Retry-After") != nil)
            #expect(try await busy.value.status == 200)
            #expect(try await serve.invoke("moody", #""ok""#).text == #""fine""#)
        }
    }

    /// A body whose framing is broken (a bad chunk size, a body cut short) is the client's mistake: 400
    /// with the parser's reason, on both APIs, and serve carries on. A client that asks before sending
    /// its body is told to go on.
    @Test func malformedRequestBodiesAre400() async throws {
        try await withServe(warmPool: 0) { serve in
            let head = "Host: 127.0.0.1\r\nAuthorization: Bearer \(serve.adminKey)\r\nContent-Type: application/json\r\n"
            for (path, framing) in [
                ("/v1/functions/f/invoke", "Transfer-Encoding: chunked\r\n\r\nZZ\r\n"),
                ("/v1/keys", "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"),
                ("/v1/functions/f/invoke", "Transfer-Encoding: chunked\r\n\r\n-1\r\n"),
                ("/v1/functions/f/invoke", "Content-Length: 100\r\n\r\n{\"a\":"),
            ] {
                let connection = try RawConnection(.tcp(port: serve.port))
                try connection.send("POST \(path) HTTP/1.1\r\n" + head + framing)
                connection.shutdownWrite()
                let response = try connection.readResponse()
                #expect(response?.status == 400, "\(path) \(framing): \(response?.status ?? 0) \(response?.body ?? "")")
                #expect(response?.body.contains("the request body could not be read") == true, "\(response?.body ?? "")")
            }
            #expect(try await serve.call(.GET, "/healthz").status == 200)

            // `Expect: 100-continue` is answered before the body is sent (curl asks it for large bodies).
            _ = try await serve.deploy("f", code: Self.echo)
            let connection = try RawConnection(.tcp(port: serve.port), timeoutSeconds: 10)
            try connection.send("POST /v1/functions/f/invoke HTTP/1.1\r\n" + head + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n")
            let interim = try connection.readResponse()
            #expect(interim?.status == 100, "\(interim?.status ?? 0)")
            try connection.send("42")
            let answer = try connection.readResponse()
            #expect(answer?.status == 200 && answer?.body == #"{"echo":42}"#, "\(answer?.status ?? 0) \(answer?.body ?? "")")
        }
    }

    /// The CLI clients against a live serve: deploy, invoke (sync and async), functions, invocations,
    /// with the exit codes of `pylambda run`.
    @Test func theCLIClientsDeployInvokeAndList() async throws {
        try await withServe(warmPool: 0) { serve in
            let options = ["--server", serve.url, "--state", serve.state]
            func cli(_ arguments: [String]) throws -> (status: Int32, output: String) {
                try Self.cliWithStatus(arguments + options, environment: ["PYLAMBDA_KEY": ""])
            }
            let fibonacci = Self.example("fibonacci.py").path
            let deployed = try cli(["deploy", "fib", fibonacci, "--timeout", "5", "--concurrency", "2"])
            #expect(deployed.status == 0 && deployed.output.contains("created fib version 1"), "\(deployed.output)")
            let invoked = try cli(["invoke", "fib", "--data", #"{"n": 10}"#])
            #expect(invoked.status == 0 && invoked.output.contains(#""last":34"#), "\(invoked.output)")
            let queued = try cli(["invoke", "fib", "--async", "--data", #"{"n": 5}"#])
            let id = queued.output.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n").last ?? ""
            #expect(queued.status == 0 && id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression) != nil, "\(queued.output)")
            #expect(try await eventually(within: .seconds(30)) { try cli(["invocations", id]).output.contains(#""status":"succeeded""#) },
                    "an id is read as one without --id")
            let runners = try Self.cliWithStatus(["ps", "--state", serve.state])
            #expect(runners.status == 0 && runners.output.contains("owned") && runners.output.contains("running"),
                    "ps --state lists the serve's runners: \(runners.output)")
            // A second serve on the same port says what to do.
            let taken = try Self.cliWithStatus(["serve", "--state", serve.state + "-second", "--port", String(serve.port), "--warm-pool", "0"])
            ServeProcess.removeState(at: serve.state + "-second")
            #expect(taken.status == 3 && taken.output.contains("cannot listen on 127.0.0.1:\(serve.port): the address is in use"), "\(taken.output)")
            // And a second serve on the same SQLite registry, which would not hear of the first's
            // changes (a revoked key, a deleted function), is refused, naming the first.
            let twice = try Self.cliWithStatus(["serve", "--state", serve.state, "--port", String(serve.port), "--warm-pool", "0"])
            #expect(twice.status == 3 && twice.output.contains("another pylambda serve (pid \(serve.process.processIdentifier)) is using the SQLite registry in \(serve.state)"), "\(twice.output)")
            // A relative --state is from the working directory.
            let state = URL(fileURLWithPath: serve.state)
            let relative = try Self.cliWithStatus(
                ["ps", "--state", "./x/../" + state.lastPathComponent], directory: state.deletingLastPathComponent().path)
            #expect(relative.status == 0 && relative.output.contains("owned"), "\(relative.output)")
            let elsewhere = try Self.cliWithStatus(["ps", "--state", serve.state + "/elsewhere"])
            #expect(elsewhere.status == 64 && elsewhere.output.contains("is not a directory"), "\(elsewhere.output)")
            #expect(!FileManager.default.fileExists(atPath: serve.state + "/elsewhere"), "looking made nothing")
            let functions = try cli(["functions"])
            #expect(functions.status == 0 && functions.output.contains("fib"), "\(functions.output)")
            let listed = try cli(["invocations", "fib"])
            #expect(listed.status == 0 && listed.output.contains("succeeded") && listed.output.contains("async"), "\(listed.output)")

            _ = try await serve.deploy("odd", code: "def entrypoint(data):\n    if data == 'set':\n        return {1}\n    raise ValueError('no')\n")
            #expect(try cli(["invoke", "odd"]).status == 1, "the function raised: 1, as from run")
            #expect(try cli(["invoke", "odd", "--data", #""set""#]).status == 4, "a result that is not JSON: 4, as from run")
            #expect(try cli(["invoke", "nothing"]).status == 2)
            // A name is one path component, whatever it holds: this one asked for a sync call, and an
            // async call of `odd` was queued.
            let crafted = try cli(["invoke", "odd/invoke?mode=async#"])
            #expect(crafted.status == 4 && crafted.output.contains("is not a function name"), "\(crafted.output)")
            #expect(try cli(["functions", "odd/versions"]).output.contains("is not a function name"))
            #expect(!(try cli(["invocations", "odd"]).output.contains("async")), "a call of odd was queued")
        }
        // A server that is not serve: its 200 is not taken for a function's result.
        let port = try ServeProcess.freePort()
        let imposter = Process()
        imposter.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        imposter.arguments = ["python3", "-c", """
            import http.server
            class Page(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    self.send_response(200); self.send_header("Content-Length", "13"); self.end_headers(); self.wfile.write(b"<html></html>")
            http.server.HTTPServer(("127.0.0.1", \(port)), Page).serve_forever()
            """]
        // Its output is not the test's: a child holding the test's pipes would keep `swift test` waiting.
        imposter.standardOutput = FileHandle.nullDevice
        imposter.standardError = FileHandle.nullDevice
        try imposter.run()
        // SIGKILL: a child of the tests inherits SIGTERM ignored.
        defer {
            kill(imposter.processIdentifier, SIGKILL)
            imposter.waitUntilExit()
        }
        #expect(try await eventually(within: .seconds(10)) { (try? RawConnection(.tcp(port: port), timeoutSeconds: 1)) != nil })
        let html = try Self.cliWithStatus(["invoke", "fib", "--server", "http://127.0.0.1:\(port)"], environment: ["PYLAMBDA_KEY": "k"])
        #expect(html.status == 3 && html.output.contains("it is not a pylambda serve") && !html.output.contains("<html>"), "\(html.output)")
        let keyless = try Self.cliWithStatus(["functions", "--state", "/tmp/pylambda-no-such-state", "--server", "http://127.0.0.1:1"], environment: ["PYLAMBDA_KEY": ""])
        #expect(keyless.status == 3 && keyless.output.contains("/tmp/pylambda-no-such-state/admin.key"), "names the key file it looked for: \(keyless.output)")
        let unreachable = try Self.cliWithStatus(["invoke", "fib", "--server", "http://127.0.0.1:1"], environment: ["PYLAMBDA_KEY": "k"])
        #expect(unreachable.status == 3 && unreachable.output.contains("cannot reach pylambda serve at http://127.0.0.1:1: "), "\(unreachable.output)")
    }

    /// A module slower than the function's timeout is refused at deploy whichever runner loads it: a
    /// runner from the warm pool, started before the function was known, gets the function's timeout too.
    @Test func theTimeoutCoversTheModuleOnAWarmPoolRunner() async throws {
        try await withServe(warmPool: 1) { serve in
            #expect(try await eventually(within: .seconds(60)) {
                try Self.cliWithStatus(["ps", "--state", serve.state]).output.contains(" pool ")
            }, "the warm pool has its runner")
            let answer = try await serve.deploy(
                "slow", code: "import time\ntime.sleep(8)\n\ndef entrypoint(data):\n    return data\n", settings: ["timeout_s": 1])
            #expect(answer.status == 400 && answer.text.contains("longer than the function's timeout"), "\(answer.status) \(answer.text)")
        }
    }

    /// A version that deployed, then fails to load in a later runner (its module raised), is the
    /// function's failure: 500 with `X-Function-Error`, as a raise in a call is; one whose module
    /// outlasts the timeout there is a 504, as a call is. 400 is for what a caller sent. (The module
    /// misbehaves only when it is told a version number: in the runners of calls that name one.)
    @Test func aLoadThatFailsAfterTheDeployIsTheFunctionsError() async throws {
        try await withServe(warmPool: 0) { serve in
            let code = """
                import os, time
                if os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "raises" and os.environ["AWS_LAMBDA_FUNCTION_VERSION"] != "$LATEST":
                    raise RuntimeError('loaded where it was not at deploy')
                if os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "slow" and os.environ["AWS_LAMBDA_FUNCTION_VERSION"] != "$LATEST":
                    time.sleep(30)
                class Timeout(Exception):
                    pass
                if os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "named" and os.environ["AWS_LAMBDA_FUNCTION_VERSION"] != "$LATEST":
                    raise Timeout('its own exception, not a timeout')

                def entrypoint(data):
                    return data
                """
            for name in ["raises", "slow", "named"] {
                let deployed = try await serve.deploy(name, code: code, settings: ["timeout_s": 1])
                #expect(deployed.status == 201, "\(deployed.text)")
                #expect(try await serve.invoke(name, "1").status == 200)
            }
            let raised = try await serve.invoke("raises", "1", query: "?version=1")
            #expect(raised.status == 500 && raised.headers.first(name: "X-Function-Error") == "Unhandled", "\(raised.status) \(raised.text)")
            #expect(raised.errorType == "RuntimeError" && raised.text.contains("loaded where it was not at deploy"), "\(raised.text)")
            let slow = try await serve.invoke("slow", "1", query: "?version=1")
            #expect(slow.status == 504 && slow.errorType == "Timeout", "\(slow.status) \(slow.text)")
            // A module's own exception named Timeout is its failure, not a timeout.
            let named = try await serve.invoke("named", "1", query: "?version=1")
            #expect(named.status == 500 && named.errorType == "Timeout" && named.text.contains("its own exception"), "\(named.status) \(named.text)")
            // Recorded as the call's timeout, as the answer says.
            let id = try #require(slow.headers.first(name: "X-Invocation-Id"))
            let record = try await serve.call(.GET, "/v1/invocations/\(id)").object
            #expect(record["status"] as? String == "timed_out", "\(record)")
        }
    }

    /// The invocation records page by `next_marker`, newest first.
    @Test func invocationRecordsPage() async throws {
        try await withServe(warmPool: 0) { serve in
            _ = try await serve.deploy("paged", code: Self.echo)
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try #require(try await serve.invoke("paged", String(index)).headers.first(name: "X-Invocation-Id")))
            }
            var seen: [String] = []
            var query = "?limit=2"
            while true {
                let page = try await serve.call(.GET, "/v1/functions/paged/invocations\(query)").object
                seen += (page["invocations"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                guard let marker = page["next_marker"] as? String else { break }
                query = "?limit=2&marker=\(marker)"
            }
            #expect(seen == ids.reversed(), "\(seen)")
            let bad = try await serve.call(.GET, "/v1/functions/paged/invocations?marker=nonsense")
            #expect(bad.status == 400 && bad.text.contains("marker"), "\(bad.text)")
        }
    }

    /// `--keep-invocations`: the records of ended calls go once they are that old.
    @Test func oldInvocationRecordsAreDeleted() async throws {
        try await withServe(["--keep-invocations", "2s"], warmPool: 0) { serve in
            _ = try await serve.deploy("echo", code: Self.echo)
            let answer = try await serve.invoke("echo", "1")
            let id = try #require(answer.headers.first(name: "X-Invocation-Id"))
            #expect(try await serve.call(.GET, "/v1/invocations/\(id)").status == 200)
            #expect(try await eventually(within: .seconds(10)) { try await serve.call(.GET, "/v1/invocations/\(id)").status == 404 })
        }
        for bad in ["forever", "inf", "0.0001", "1e17"] {
            let refused = try Self.cliWithStatus(["serve", "--keep-invocations", bad])
            #expect(refused.status == 64 && refused.output.contains("--keep-invocations takes 0 or an age"), "\(bad): \(refused.output)")
        }
    }

    /// A request head the parser refuses gets the JSON error body every error has (Hummingbird's own
    /// answer is an empty 400): 431 for headers over 80 KiB, else 400 with the parser's reason. The
    /// connection is closed, and serve carries on.
    @Test func malformedRequestHeadsGetAJSONError() async throws {
        try await withServe(warmPool: 0) { serve in
            for (request, status, message) in [
                ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100 << 10))\r\n\r\n", 431, "the request's headers are too large: at most 80 KiB"),
                ("GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400, "the request is not HTTP/1.1 this server can read: invalid character in header"),
                ("NOT HTTP\r\n\r\n", 400, "the request is not HTTP/1.1 this server can read: invalid HTTP method"),
            ] {
                let connection = try RawConnection(.tcp(port: serve.port), timeoutSeconds: 10)
                try connection.send(request)
                let response = try connection.readResponse()
                #expect(response?.status == status, "\(response?.status ?? 0) \(response?.body ?? "")")
                let body = try JSONSerialization.jsonObject(with: Data((response?.body ?? "").utf8)) as? [String: Any]
                #expect(body?["detail"] as? String == message && (body?["error"] as? [String: Any])?["type"] as? String == "InvalidRequest")
                #expect(response?.header("Connection") == "close")
            }
            #expect(try await serve.call(.GET, "/healthz").status == 200)

            // Behind a pipelined request, the request is answered first (the error must not take its
            // place: a key created, or a call run, would be answered with a 400).
            let pipelined = try RawConnection(.tcp(port: serve.port), timeoutSeconds: 10)
            try pipelined.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nNOT\u{1} HTTP\r\n\r\n")
            #expect(try pipelined.readResponse()?.status == 200)
            #expect(try pipelined.readResponse()?.status == 400)
        }
    }

    /// Connections with no request in progress are closed after `--idle-timeout`: one that never sends,
    /// one that stops halfway through a request's head, and a kept-alive one after its answer. A call
    /// that runs longer than the timeout is answered. An HTTP/1.0 one is closed after its answer.
    @Test func idleConnectionsAreClosedAndALongCallIsNot() async throws {
        try await withServe(["--idle-timeout", "1"], warmPool: 0) { serve in
            // HTTP/1.0 without keep-alive: answered, then closed at once (its client reads to the end).
            let old = try RawConnection(.tcp(port: serve.port))
            try old.send("GET /healthz HTTP/1.0\r\n\r\n")
            let answered = ContinuousClock.now
            let oldAnswer = try old.readResponse()
            #expect(oldAnswer?.status == 200 && oldAnswer?.header("Connection") == "close")
            #expect(try old.isClosedByPeer() && ContinuousClock.now - answered < .milliseconds(900), "closed after its answer")
            // HTTP/1.0 that asks to keep the connection (ApacheBench -k) is told it may, and may.
            let kept10 = try RawConnection(.tcp(port: serve.port))
            for _ in 0..<2 {
                try kept10.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let answer = try kept10.readResponse()
                #expect(answer?.status == 200 && answer?.header("Connection")?.lowercased() == "keep-alive")
            }

            let opened = ContinuousClock.now
            let silent = try RawConnection(.tcp(port: serve.port))
            let stalled = try RawConnection(.tcp(port: serve.port))
            try stalled.send("POST /v1/functions/slow/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ")
            let kept = try RawConnection(.tcp(port: serve.port))
            try kept.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for (name, connection, answer) in [("silent", silent, ""), ("stalled", stalled, ""), ("kept alive", kept, "HTTP/1.1 200")] {
                #expect(try connection.isClosedByPeer(), "\(name): still open")
                let after = ContinuousClock.now - opened
                #expect(after >= .milliseconds(900) && after < .seconds(10), "\(name): closed after \(after)")
                #expect(answer.isEmpty ? connection.receivedText.isEmpty : connection.receivedText.hasPrefix(answer), "\(name): \(connection.receivedText)")
            }

            #expect(try await serve.deploy("slow", code: "import time\ndef entrypoint(data):\n    time.sleep(2.5)\n    return 'done'\n", settings: ["timeout_s": 10]).status == 201)
            let slow = try await serve.invoke("slow")
            #expect(slow.status == 200 && slow.text == #""done""#, "\(slow.status) \(slow.text)")
        }
    }

    @Test func keysAndScopes() async throws {
        try await withServe { serve in
            _ = try await serve.deploy("alpha", code: Self.echo)
            _ = try await serve.deploy("beta", code: Self.echo)
            let created = try await serve.call(.POST, "/v1/keys", body: #"{"name": "ci", "scope": "invoke", "function": "alpha"}"#)
            #expect(created.status == 201)
            let key = try #require(created.object["key"] as? String)
            #expect(try await serve.invoke("alpha", "1", key: key).status == 200)
            let other = try await serve.invoke("beta", "1", key: key)
            #expect(other.status == 403 && other.errorType == "Forbidden")
            #expect(try await serve.call(.PUT, "/v1/functions/alpha", key: key, body: #"{"code": "def entrypoint(d): return 1"}"#).status == 403)
            #expect(try await serve.call(.GET, "/v1/functions", key: key).status == 403)
            #expect(try await serve.call(.GET, "/v1/keys", key: key).status == 403)
            #expect(try await serve.call(.GET, "/metrics", key: key).status == 403, "the metrics name every function")
            let anyFunction = try await serve.call(.POST, "/v1/keys", body: #"{"name": "any", "scope": "invoke"}"#).object["key"] as? String
            #expect(try await serve.call(.GET, "/metrics", key: anyFunction).status == 200)
            let alphaCall = try await serve.invoke("alpha", "2")
            let betaCall = try await serve.invoke("beta", "2")
            #expect(try await serve.call(.GET, "/v1/invocations/\(alphaCall.headers.first(name: "X-Invocation-Id") ?? "")", key: key).status == 200)
            #expect(try await serve.call(.GET, "/v1/invocations/\(betaCall.headers.first(name: "X-Invocation-Id") ?? "")", key: key).status == 403)
            #expect(try await serve.call(.GET, "/v1/functions/beta/invocations", key: key).status == 403)

            let admin = try await serve.call(.POST, "/v1/keys", body: #"{"name": "ops", "scope": "admin"}"#).object["key"] as? String
            #expect(try await serve.deploy("gamma", code: Self.echo).status == 201)
            #expect(try await serve.call(.GET, "/v1/functions", key: admin).status == 200)
            #expect(try await serve.call(.POST, "/v1/keys", body: #"{"name": "ci", "scope": "admin"}"#).status == 409)
            #expect(try await serve.call(.POST, "/v1/keys", body: #"{"name": "x", "scope": "root"}"#).status == 400)
            #expect(try await serve.call(.POST, "/v1/keys", body: #"{"name": "x", "scope": "invoke", "functions": "alpha"}"#).status == 400)
            let aws = try await serve.call(.POST, "/v1/keys", body: #"{"name": "boto", "scope": "admin", "aws": true}"#).object
            #expect((aws["access_key_id"] as? String)?.hasPrefix("AKIA") == true && (aws["secret_access_key"] as? String)?.count == 40)
            let listed = try await serve.call(.GET, "/v1/keys").object["keys"] as? [[String: Any]] ?? []
            #expect(Set(listed.compactMap { $0["name"] as? String }).isSuperset(of: ["admin", "ci", "ops", "boto"]))
            #expect(listed.allSatisfy { $0["key"] == nil && $0["secret_access_key"] == nil }, "no secrets in lists")
            // One namespace for both kinds: a name revokes one key.
            let clash = try await serve.call(.POST, "/v1/keys", body: #"{"name": "boto", "scope": "admin"}"#)
            #expect(clash.status == 409, "\(clash.status) \(clash.text)")
            #expect(try await serve.call(.POST, "/v1/keys", body: #"{"name": "ci", "scope": "admin", "aws": true}"#).status == 409)
            // Path parameters arrive percent-encoded from many clients.
            #expect(try await serve.call(.POST, "/v1/keys", body: #"{"name": "bot@host", "scope": "admin"}"#).status == 201)
            #expect(try await serve.call(.DELETE, "/v1/keys/bot%40host").status == 204)
            #expect(try await serve.call(.GET, "/v1/functions/alph%61").status == 200)

            // Not the key the request is signed with: the last admin key would go with it.
            let itself = try await serve.call(.DELETE, "/v1/keys/ops", key: admin)
            #expect(itself.status == 409 && itself.errorType == "Conflict" && itself.text.contains("another admin key"), "\(itself.text)")
            #expect(try await serve.call(.DELETE, "/v1/keys/admin").status == 409)
            #expect(try await serve.call(.DELETE, "/v1/keys/ops").status == 204, "another admin key revokes it")
            #expect(try await serve.call(.DELETE, "/v1/keys/ci").status == 204)
            #expect(try await serve.invoke("alpha", "1", key: key).status == 401, "a revoked key is refused")
            #expect(try await serve.call(.DELETE, "/v1/keys/ci").status == 404)
        }
    }
}
