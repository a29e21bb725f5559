import Foundation
import NIOHTTP1
import RunnerProtocol
import RunnerServer
import Testing

@Suite("Every error is a status and a JSON body a person can act on")
struct ErrorTests {
    @Test(arguments: setups)
    func badRequestsAre400(setup: Setup) async throws {
        try await withRunner(setup) { client in
            let notLoaded = try await client.post(RunnerPath.run, "{}")
            #expect(notLoaded.status == .badRequest)
            #expect(try notLoaded.errorBody().error.type == RunnerErrorType.notLoaded)
            #expect(try notLoaded.errorBody().detail.contains("POST /load first"))

            for (body, expected) in [
                ("not json", "invalid request"),
                ("", "invalid request"),
                ("[1, 2]", #"a JSON object with a "code" string"#),
                (#"{"source": "x"}"#, #"a JSON object with a "code" string"#),
                (#"{"code": 42}"#, #""code" must be a string, not int"#),
            ] {
                let response = try await client.post(RunnerPath.load, body)
                #expect(response.status == .badRequest, "\(body)")
                let error = try response.errorBody()
                #expect(error.error.type == RunnerErrorType.invalidRequest, "\(body)")
                #expect(error.detail.contains(expected), "\(body): \(error.detail)")
            }
        }
    }

    @Test(arguments: setups)
    func codeThatDoesNotLoadIs400AndLeavesNothingLoaded(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(function("return 'old'"))

            let syntax = try await client.load("def entrypoint(data):\n    return (\n\nx = 1\n")
            #expect(syntax.status == .badRequest)
            let syntaxError = try syntax.errorBody()
            #expect(syntaxError.error.type == "SyntaxError")
            #expect(syntaxError.detail.contains("line 2"), "\(syntaxError.detail)")
            // Never run stale code after new code was rejected.
            #expect(try await client.post(RunnerPath.run, "{}").status == .badRequest)

            let raising = try await client.load("import json\nraise RuntimeError('config missing')\n")
            #expect(raising.status == .badRequest)
            let raisingError = try raising.errorBody()
            #expect(raisingError.error.type == "RuntimeError")
            #expect(raisingError.detail == "the code raised RuntimeError while loading: config missing")
            #expect(raisingError.error.traceback.contains(#"  File "function.py", line 2, in <module>"#))

            let missing = try await client.load("def handler(event):\n    return 1\n")
            #expect(missing.status == .badRequest)
            #expect(try missing.errorBody().error.type == RunnerErrorType.noEntrypoint)
            #expect(try missing.errorBody().detail.contains("def entrypoint(data):"))

            let notCallable = try await client.load("entrypoint = 3\n")
            #expect(try notCallable.errorBody().detail.contains("entrypoint as an int, which is not callable"))

            let exiting = try await client.load("import sys\nsys.exit(2)\n")
            #expect(exiting.status == .badRequest)
            #expect(try exiting.errorBody().error.type == "SystemExit")

            // The compiler itself can give up on valid-looking source.
            let tooNested = try await client.load("x = 1" + String(repeating: "+1", count: 200_000) + "\n")
            #expect(tooNested.status == .badRequest)
            #expect(try tooNested.errorBody().detail.hasPrefix("the code does not compile"))
            #expect(try await client.get(RunnerPath.health).text.contains(#""loaded":false"#))
        }
    }

    @Test(arguments: setups)
    func runInputMustBeStrictJSON(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(function("return data"))
            let tooDeep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            for body in ["{", "NaN", #"{"x": Infinity}"#, "1e400", "", "\u{FF}", tooDeep] {
                let response = try await client.post(RunnerPath.run, body)
                #expect(response.status == .badRequest, "\(body.prefix(20))")
                #expect(try response.errorBody().error.type == RunnerErrorType.invalidRequest)
            }
        }
    }

    @Test(arguments: setups)
    func userExceptionsAre500WithTypeMessageAndTraceback(setup: Setup) async throws {
        let code = """
            def helper(n):
                return 10 / n

            def entrypoint(data):
                return helper(data["n"])
            """
        try await withRunner(setup) { client in
            try await client.mustLoad(code)
            let response = try await client.post(RunnerPath.run, #"{"n": 0}"#)
            #expect(response.status == .internalServerError)
            #expect(response.header(RunnerHeader.functionError) == "Unhandled")
            let error = try response.errorBody()
            #expect(error.error.type == "ZeroDivisionError")
            #expect(error.error.message == "division by zero")
            #expect(error.detail == "entrypoint raised ZeroDivisionError: division by zero")
            #expect(error.error.traceback.first == "Traceback (most recent call last):")
            #expect(error.error.traceback.contains(#"  File "function.py", line 5, in entrypoint"#))
            #expect(error.error.traceback.contains(#"  File "function.py", line 2, in helper"#))
            #expect(error.error.traceback.contains("    return 10 / n"))
            #expect(!error.error.traceback.joined().contains("pylambda-runner"), "the runner's own frames are hidden")

            // The error is in the output too (`docker logs`, the log tail), after what the call printed.
            let tailed = try await client.post(RunnerPath.run, #"{"n": 0}"#, headers: [(RunnerHeader.logTail, "true")])
            let tail = tailed.header(RunnerHeader.logTail).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(tail.hasPrefix("[ERROR] ZeroDivisionError: division by zero\nTraceback (most recent call last):\n"), "\(tail)")
            #expect(tail.hasSuffix("    return 10 / n\n           ~~~^~~\nZeroDivisionError: division by zero\n"), "\(tail)")

            let keyError = try await client.post(RunnerPath.run, "{}")
            #expect(try keyError.errorBody().error.type == "KeyError")
            #expect(try await client.post(RunnerPath.run, #"{"n": 4}"#).text == "2.5")
        }
    }

    /// Tracebacks the function formats itself (`traceback.format_exc()`, `logging.exception`) show its
    /// source lines, this load's and not another's; a byte order mark before the source is skipped, as
    /// CPython skips it in a file.
    @Test
    func tracebacksTheFunctionFormatsShowItsOwnLines() async throws {
        try await withRunner(.tcp) { client in
            for marker in ["first_load_marker", "second_load_marker"] {
                let code = "\u{FEFF}import traceback\n\ndef entrypoint(data):\n    try:\n        \(marker) = 1 / 0\n    except ZeroDivisionError:\n        return traceback.format_exc()\n"
                try await client.mustLoad(code)
                let text = try await client.run("1").text
                #expect(text.contains("\(marker) = 1 / 0"), "\(text)")
            }
        }
    }

    @Test
    func messagesKeepUserTextThatHasNoUTF8Form() async throws {
        try await withRunner(.tcp) { client in
            try await client.mustLoad(function("raise ValueError('bad input: ' + data)"))
            let response = try await client.post(RunnerPath.run, #""\ud800""#)
            #expect(response.status == .internalServerError)
            #expect(try response.errorBody().error.message == #"bad input: \ud800"#)
        }
    }

    @Test(arguments: setups)
    func systemExitAndKeyboardInterruptDoNotStopTheRunner(setup: Setup) async throws {
        let code = function("import sys\nif data == 'exit': sys.exit(3)\nif data == 'interrupt': raise KeyboardInterrupt\nreturn 'alive'")
        try await withRunner(setup) { client in
            try await client.mustLoad(code)
            let exit = try await client.post(RunnerPath.run, #""exit""#)
            #expect(exit.status == .internalServerError)
            #expect(try exit.errorBody().error.type == "SystemExit")
            #expect(try exit.errorBody().error.message == "3")
            let interrupt = try await client.post(RunnerPath.run, #""interrupt""#)
            #expect(try interrupt.errorBody().error.type == "KeyboardInterrupt")
            #expect(try await client.post(RunnerPath.run, #""again""#).text == #""alive""#)
        }
    }

    @Test(arguments: setups)
    func resultsThatAreNotStrictJSONAre500(setup: Setup) async throws {
        let code = function("""
            if data == 'set': return {1, 2}
            if data == 'nan': return [float('nan')]
            if data == 'inf': return {'x': float('inf')}
            if data == 'object': return object()
            if data == 'decimal-nan':
                import decimal
                return decimal.Decimal('NaN')
            if data == 'decimal-huge':
                import decimal
                return decimal.Decimal('1E+100000000')
            if data == 'decimal-odd':
                import decimal
                class Odd(decimal.Decimal):
                    def __eq__(self, other): raise KeyError('no comparing')
                    __hash__ = decimal.Decimal.__hash__
                return Odd(3)
            if data == 'cycle':
                loop = []
                loop.append(loop)
                return loop
            return 'fine'
            """)
        try await withRunner(setup) { client in
            try await client.mustLoad(code)
            for (input, mentions) in [("set", "set"), ("nan", "Out of range float"), ("inf", "Out of range float"), ("object", "object"), ("decimal-nan", "Decimal"), ("decimal-huge", "Out of range float"), ("decimal-odd", "Odd"), ("cycle", "Circular reference")] {
                let response = try await client.post(RunnerPath.run, #""\#(input)""#)
                #expect(response.status == .internalServerError, "\(input)")
                let error = try response.errorBody()
                #expect(error.error.type == RunnerErrorType.resultNotSerializable)
                #expect(error.detail.contains(mentions), "\(input): \(error.detail)")
                #expect(!response.text.contains("NaN") && !response.text.contains("Infinity"))
            }
            #expect(try await client.post(RunnerPath.run, #""ok""#).text == #""fine""#)
        }
    }

    /// boto3 gives DynamoDB's numbers as `Decimal`: a handler returns them as numbers, as on Lambda,
    /// exactly when they are whole.
    @Test(arguments: setups)
    func decimalsAreNumbers(setup: Setup) async throws {
        let code = function("""
            from decimal import Decimal
            return {'count': Decimal('12345678901234567890'), 'price': Decimal('1.50'), 'neg': Decimal('-2E+3'), 'items': [Decimal('0.1')]}
            """)
        try await withRunner(setup) { client in
            try await client.mustLoad(code)
            let text = try await client.post(RunnerPath.run, "{}").text
            #expect(text == #"{"count":12345678901234567890,"price":1.5,"neg":-2000,"items":[0.1]}"#, "\(text)")
        }
    }

    @Test(arguments: setups)
    func unknownPathsAndMethodsAreJSONErrors(setup: Setup) async throws {
        try await withRunner(setup) { client in
            let missing = try await client.execute(uri: "/invoke", method: .POST)
            #expect(missing.status == .notFound)
            #expect(try missing.errorBody().error.type == RunnerErrorType.notFound)
            let wrongMethod = try await client.get(RunnerPath.run)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(try wrongMethod.errorBody().detail == "/run takes POST")
        }
    }

    @Test(arguments: setups)
    func bodiesOverTheLimitAre413(setup: Setup) async throws {
        try await withRunner(setup, configure: { $0.maxBodyBytes = 1024 }) { client in
            try await client.mustLoad(function("return len(data)"))
            let big = "\"" + String(repeating: "a", count: 2000) + "\""
            let response = try await client.post(RunnerPath.run, big)
            #expect(response.status == .payloadTooLarge)
            #expect(try response.errorBody().error.type == RunnerErrorType.payloadTooLarge)
            #expect(try await client.post(RunnerPath.run, #""abc""#).text == "3")
        }
    }

    /// A result over the body limit is the function's error (500 ResultTooLarge), not an answer the
    /// host must refuse as broken; the runner stays usable.
    @Test(arguments: setups)
    func resultsOverTheLimitAreTheFunctionsError(setup: Setup) async throws {
        try await withRunner(setup, configure: { $0.maxBodyBytes = 1024 }) { client in
            try await client.mustLoad(function("return 'é' * data"))
            let response = try await client.post(RunnerPath.run, "600")
            #expect(response.status == .internalServerError)
            let error = try response.errorBody()
            #expect(error.error.type == RunnerErrorType.resultTooLarge)
            #expect(response.header(RunnerHeader.functionError) == "Unhandled", "the function's own, as a result that is not JSON")
            #expect(error.error.message == "the return value is 1202 bytes of JSON, over the limit of 1024", "\(error.error.message)")
            #expect(try await client.post(RunnerPath.run, "2").text == #""éé""#)
        }
    }
}

@Suite("Deadlines: a runaway invocation is interrupted and the runner stays usable")
struct DeadlineTests {
    @Test(arguments: setups)
    func pythonLoopsPastTheDeadlineAre504(setup: Setup) async throws {
        let code = function("""
            import time
            print('started', data)
            if data == 'spin':
                while True:
                    pass
            if data == 'sleep':
                time.sleep(60)
            if data == 'swallow':
                try:
                    while True:
                        pass
                except Exception:
                    return 'swallowed'
            return 'ok'
            """)
        let timeout = [(RunnerHeader.timeoutMilliseconds, "300")]
        try await withRunner(setup) { client in
            try await client.mustLoad(code)
            for input in ["spin", "sleep", "swallow"] {
                let response = try await client.post(RunnerPath.run, #""\#(input)""#, headers: timeout)
                #expect(response.status == .gatewayTimeout, "\(input)")
                let error = try response.errorBody()
                #expect(error.error.type == RunnerErrorType.timeout)
                #expect(error.detail.hasPrefix("the invocation timed out after 0.3 s"), "\(error.detail)")
                #expect(error.error.message == "Task timed out after 0.3 seconds")
                #expect(response.header(RunnerHeader.logTail) == nil, "no tail unasked")
                #expect(try await client.post(RunnerPath.run, #""after""#).text == #""ok""#)
                // Asked for, the tail of an interrupted call is what it printed until its deadline.
                let tailed = try await client.post(RunnerPath.run, #""\#(input)""#, headers: timeout + [(RunnerHeader.logTail, "true")])
                #expect(tailed.status == .gatewayTimeout)
                let tail = tailed.header(RunnerHeader.logTail).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
                #expect(tail == "started \(input)\n", "\(tail ?? "none")")
            }
        }
    }

    @Test
    func theDefaultDeadlineComesFromConfigurationAndCoversLoad() async throws {
        try await withRunner(.tcp, configure: { $0.timeout = .milliseconds(250) }) { client in
            let load = try await client.load("while True:\n    pass\n")
            #expect(load.status == .gatewayTimeout)
            let generous = [(RunnerHeader.timeoutMilliseconds, "60000")]
            let loaded = try await client.post(RunnerPath.load, #"{"code": "def entrypoint(data):\n    while True:\n        pass\n"}"#, headers: generous)
            #expect(loaded.status == .ok)
            let run = try await client.post(RunnerPath.run, "1")
            #expect(run.status == .gatewayTimeout)
            #expect(try run.errorBody().detail.hasPrefix("the invocation timed out after 0.25 s"))
        }
    }

    @Test
    func malformedTimeoutHeadersAre400() async throws {
        try await withRunner(.tcp) { client in
            try await client.mustLoad(function("return 1"))
            for value in ["soon", "-5", "0", "1.5", "86400001", "99999999999999", "99999999999999999999999"] {
                let response = try await client.post(RunnerPath.run, "1", headers: [(RunnerHeader.timeoutMilliseconds, value)])
                #expect(response.status == .badRequest, "\(value)")
                #expect(try response.errorBody().detail.contains("X-Timeout-Ms"))
            }
        }
    }
}
