import Foundation
import NIOHTTP1
import RunnerProtocol
import RunnerServer
import Testing

@Suite("The /load + /run protocol over TCP and a Unix socket, with and without the standby thread")
struct ProtocolTests {
    @Test(arguments: setups)
    func healthSaysWhetherAFunctionIsLoaded(setup: Setup) async throws {
        try await withRunner(setup) { client in
            for path in ["/", RunnerPath.health] {
                let response = try await client.get(path)
                #expect(response.status == .ok)
                #expect(try JSONDecoder().decode(HealthResponse.self, from: response.body) == HealthResponse(loaded: false))
            }
            try await client.mustLoad(function("return data"))
            let response = try await client.get(RunnerPath.health)
            #expect(try JSONDecoder().decode(HealthResponse.self, from: response.body) == HealthResponse(loaded: true))
        }
    }

    @Test(arguments: setups)
    func runAnswersTheBareJSONOfTheReturnValue(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(function(#"return {"echo": data, "type": type(data).__name__}"#))
            let response = try await client.post(RunnerPath.run, #"{"msg": "héllo ✓", "n": [1, 2.5, null, true]}"#)
            #expect(response.status == .ok)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == #"{"echo":{"msg":"héllo ✓","n":[1,2.5,null,true]},"type":"dict"}"#)
            // Any JSON value, not only objects.
            #expect(try await client.post(RunnerPath.run, "42").text == #"{"echo":42,"type":"int"}"#)
            #expect(try await client.post(RunnerPath.run, "null").text == #"{"echo":null,"type":"NoneType"}"#)
        }
    }

    @Test(arguments: setups)
    func globalsPersistAcrossRunsAndSameCodeIsReused(setup: Setup) async throws {
        let counter = function("global calls\ncalls += 1\nreturn calls", prelude: "calls = 0")
        try await withRunner(setup) { client in
            let first = try JSONDecoder().decode(LoadResponse.self, from: try await client.load(counter).body)
            #expect(first.reused == false)
            #expect(first.codeSHA256.count == 64)
            #expect(try await client.post(RunnerPath.run, "{}").text == "1")
            #expect(try await client.post(RunnerPath.run, "{}").text == "2")
            // Same source again: cheap, and the warm module (and its globals) stays.
            let again = try JSONDecoder().decode(LoadResponse.self, from: try await client.load(counter).body)
            #expect(again == LoadResponse(codeSHA256: first.codeSHA256, reused: true))
            #expect(try await client.post(RunnerPath.run, "{}").text == "3")
            // New source replaces the function.
            try await client.mustLoad(function(#"return "replaced""#))
            #expect(try await client.post(RunnerPath.run, "{}").text == #""replaced""#)
        }
    }

    @Test
    func modulesBehaveLikeImportedOnes() async throws {
        // dataclasses (and pickle, typing) look the class's module up in sys.modules.
        let code = """
            from __future__ import annotations
            from dataclasses import dataclass, asdict

            @dataclass
            class Point:
                x: int
                y: int

            def entrypoint(data):
                return asdict(Point(**data))
            """
        try await withRunner(.tcp) { client in
            try await client.mustLoad(code)
            #expect(try await client.post(RunnerPath.run, #"{"x": 1, "y": 2}"#).text == #"{"x":1,"y":2}"#)
        }
    }

    @Test(arguments: setups)
    func concurrentRequestsEachGetTheirOwnResult(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(function("import time\ntime.sleep(0.001)\nreturn {'id': data['id'], 'square': data['id'] ** 2}"))
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for id in 0..<32 {
                    group.addTask { (id, try await client.post(RunnerPath.run, #"{"id": \#(id)}"#).text) }
                }
                var seen = Set<Int>()
                for try await (id, text) in group {
                    #expect(text == #"{"id":\#(id),"square":\#(id * id)}"#)
                    seen.insert(id)
                }
                #expect(seen.count == 32)
            }
        }
    }

    @Test(arguments: setups)
    func printedOutputNeverReachesTheBodyButCanBeTailed(setup: Setup) async throws {
        let code = function("print('to stdout', data)\nimport sys, logging\nprint('to stderr', file=sys.stderr)\nlogging.warning('via logging')\nreturn 'result'")
        try await withRunner(setup) { client in
            try await client.mustLoad(code)
            let plain = try await client.post(RunnerPath.run, "1")
            #expect(plain.text == #""result""#)
            #expect(plain.header(RunnerHeader.logTail) == nil)

            let tailed = try await client.post(RunnerPath.run, "2", headers: [(RunnerHeader.logTail, "true")])
            #expect(tailed.text == #""result""#)
            let tail = try #require(tailed.header(RunnerHeader.logTail).flatMap { Data(base64Encoded: $0) })
            // The log line's format is the root handler's: the runner's, or `logging`'s own when the code
            // (or, in this test process, whose interpreter all runners share, another test) set one up.
            let text = String(decoding: tail, as: UTF8.self)
            #expect(text.hasPrefix("to stdout 2\nto stderr\n") && text.hasSuffix("via logging\n") && text.contains("WARNING"), "\(text)")
        }
    }

    @Test
    func outputIsCappedPerInvocationWithAMarker() async throws {
        try await withRunner(.tcp, configure: { $0.maxOutputBytes = 1000 }) { client in
            try await client.mustLoad(function("for i in range(abs(data)):\n    print('x' * 99)\nif data < 0:\n    raise ValueError('after the cap')\nreturn 'done'"))
            let response = try await client.post(RunnerPath.run, "100", headers: [(RunnerHeader.logTail, "true")])
            #expect(response.text == #""done""#)
            let tail = String(decoding: Data(base64Encoded: response.header(RunnerHeader.logTail)!)!, as: UTF8.self)
            #expect(tail.hasSuffix("[pylambda] output truncated: this invocation wrote more than 1000 bytes\n"))
            #expect(tail.filter { $0 == "x" }.count == 1000 - 10)  // 10 newlines among the first 1000 bytes
            // The function's error is written past the cap: it is what a reader of that output needs most.
            let failed = try await client.post(RunnerPath.run, "-100", headers: [(RunnerHeader.logTail, "true")])
            let failedTail = String(decoding: Data(base64Encoded: failed.header(RunnerHeader.logTail) ?? "") ?? Data(), as: UTF8.self)
            #expect(failedTail.contains("bytes\n[ERROR] ValueError: after the cap\nTraceback"), "\(failedTail)")
            // The cap is per invocation: the next one starts afresh.
            let small = try await client.post(RunnerPath.run, "1", headers: [(RunnerHeader.logTail, "true")])
            #expect(String(decoding: Data(base64Encoded: small.header(RunnerHeader.logTail)!)!, as: UTF8.self) == String(repeating: "x", count: 99) + "\n")
        }
    }
}
