import Foundation
import NIOHTTP1
import RunnerProtocol
import Testing

/// A function package on disk: files by relative path, written under a fresh directory.
struct PackageDirectory {
    let path: String

    init(_ files: [String: String]) throws {
        path = try makeTemporaryDirectory("pylambda-package")
        for (name, text) in files {
            let file = "\(path)/\(name)"
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite("Function packages, dependency directories, environment and Lambda handlers")
struct PackageTests {
    @Test(arguments: setups)
    func aPackageHandlerImportsItsHelperModule(setup: Setup) async throws {
        let package = try PackageDirectory([
            "main.py": "from helper import double\nfrom tools.text import shout\n\ndef entrypoint(data):\n    return {'double': double(data['n']), 'shout': shout(data['s'])}\n",
            "helper.py": "def double(n):\n    return 2 * n\n",
            "tools/__init__.py": "",
            "tools/text.py": "def shout(s):\n    return s.upper() + '!'\n",
            "data/config.json": "{\"greeting\": \"hi\"}",
        ])
        defer { package.remove() }
        try await withRunner(setup) { client in
            let loaded = try await client.load(LoadRequest(package: package.path, digest: "sha256-of-the-package"))
            #expect(loaded.status == .ok)
            let answer = try JSONDecoder().decode(LoadResponse.self, from: loaded.body)
            #expect(answer == LoadResponse(codeSHA256: "sha256-of-the-package", reused: false))
            #expect(try await client.run(#"{"n": 21, "s": "hey"}"#).text == #"{"double":42,"shout":"HEY!"}"#)
            // The same digest, handler, path and environment: kept as it is.
            let again = try JSONDecoder().decode(LoadResponse.self, from: try await client.load(LoadRequest(package: package.path, digest: "sha256-of-the-package")).body)
            #expect(again.reused)
        }
    }

    @Test
    func aDottedHandlerNamesAModuleInsideASubpackage() async throws {
        let package = try PackageDirectory([
            "app/__init__.py": "",
            "app/handlers.py": "import os\n\ndef greet(data):\n    here = os.path.dirname(__file__)\n    return open(os.path.join(here, 'greeting.txt')).read().strip() + ', ' + data\n",
            "app/greeting.txt": "hello\n",
        ])
        defer { package.remove() }
        try await withRunner { client in
            try await client.mustLoad(LoadRequest(package: package.path, handler: "app.handlers.greet"))
            #expect(try await client.run(#""world""#).text == #""hello, world""#)
        }
    }

    @Test
    func reloadingAnotherPackageForgetsTheFirstOnesModules() async throws {
        let first = try PackageDirectory([
            "main.py": "import helper\n\ndef entrypoint(data):\n    return helper.NAME\n",
            "helper.py": "NAME = 'first'\n",
            "only_in_first.py": "X = 1\n",
        ])
        let second = try PackageDirectory([
            "main.py": "import helper, importlib.util, sys\n\ndef entrypoint(data):\n    return {'helper': helper.NAME, 'first_module_importable': importlib.util.find_spec('only_in_first') is not None, 'first_in_modules': 'only_in_first' in sys.modules, 'first_on_path': any('\(first.path)' == p for p in sys.path)}\n",
            "helper.py": "NAME = 'second'\n",
        ])
        defer {
            first.remove()
            second.remove()
        }
        try await withRunner { client in
            try await client.mustLoad(LoadRequest(package: first.path))
            #expect(try await client.run("0").text == #""first""#)
            #expect(try await client.run("0").status == .ok)
            try await client.mustLoad(LoadRequest(package: second.path))
            let answer = try #require(try await client.run("0").json() as? [String: Any])
            #expect(answer["helper"] as? String == "second", "the second package's helper, not the first's cached module")
            #expect(answer["first_module_importable"] as? Bool == false)
            #expect(answer["first_in_modules"] as? Bool == false)
            #expect(answer["first_on_path"] as? Bool == false)
        }
    }

    @Test
    func sysPathMakesADependencyImportableForOneLoadOnly() async throws {
        let dependencies = try PackageDirectory(["greetings/__init__.py": "def hello(name):\n    return 'hello ' + name\n"])
        let code = "import greetings\n\ndef entrypoint(data):\n    return greetings.hello(data)\n"
        defer { dependencies.remove() }
        try await withRunner { client in
            try await client.mustLoad(LoadRequest(code: code, sysPath: [dependencies.path]))
            #expect(try await client.run(#""you""#).text == #""hello you""#)
            // Without the directory, the same code cannot import it: the module went with the load.
            let without = try await client.load(code)
            #expect(without.status == .badRequest)
            #expect(try without.errorBody().error.type == "ModuleNotFoundError")
        }
    }

    @Test
    func environmentIsSetForTheLoadAndRestoredAfterIt() async throws {
        let code = function("import os\nreturn [os.environ.get('PYLAMBDA_TEST_VARIABLE'), os.environ.get('HOME')]")
        let home = ProcessInfo.processInfo.environment["HOME"]
        try await withRunner { client in
            try await client.mustLoad(LoadRequest(code: code, env: ["PYLAMBDA_TEST_VARIABLE": "set", "HOME": "/function-home"]))
            let during = try #require(try await client.run("0").json() as? [Any])
            #expect(during[0] as? String == "set")
            #expect(during[1] as? String == "/function-home")
            // The next load (another environment) sees neither: one removed, one restored.
            try await client.mustLoad(code + "\n# another load\n")
            let after = try #require(try await client.run("0").json() as? [Any])
            #expect(after[0] is NSNull)
            #expect(after[1] as? String == home)
        }
    }

    @Test(arguments: setups)
    func aTwoParameterHandlerGetsALambdaContext(setup: Setup) async throws {
        let code = """
            import time

            def handler(event, context):
                first = context.get_remaining_time_in_millis()
                time.sleep(0.05)
                second = context.get_remaining_time_in_millis()
                return {'event': event, 'first': first, 'second': second, 'id': context.aws_request_id,
                        'name': context.function_name, 'version': context.function_version,
                        'memory': context.memory_limit_in_mb, 'arn': context.invoked_function_arn,
                        'group': context.log_group_name, 'stream': context.log_stream_name}
            """
        let metadata = FunctionMetadata(name: "orders", version: "7", memoryLimitInMB: 256, invokedFunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:orders")
        try await withRunner(setup) { client in
            try await client.mustLoad(LoadRequest(code: code, handler: "handler", function: metadata))
            let response = try await client.run(#"{"k": 1}"#, headers: [(RunnerHeader.timeoutMilliseconds, "5000"), (RunnerHeader.invocationID, "11111111-2222-3333-4444-555555555555")])
            let answer = try #require(try response.json() as? [String: Any], "\(response.text)")
            #expect(answer["event"] as? [String: Int] == ["k": 1])
            let first = try #require(answer["first"] as? Int)
            let second = try #require(answer["second"] as? Int)
            #expect(first <= 5000 && first > 0)
            #expect(second < first, "the remaining time counts down: \(first) then \(second)")
            #expect(answer["id"] as? String == "11111111-2222-3333-4444-555555555555")
            #expect(answer["name"] as? String == "orders")
            #expect(answer["version"] as? String == "7")
            #expect(answer["memory"] as? Int == 256)
            #expect(answer["arn"] as? String == "arn:aws:lambda:eu-west-1:123456789012:function:orders")
            #expect(answer["group"] as? String == "/aws/lambda/orders")
            #expect((answer["stream"] as? String)?.contains("[7]") == true)

            // Lambda's variables, and its root log handler once the code imports logging.
            try await client.mustLoad(LoadRequest(code: """
                import logging, os
                logging.getLogger().setLevel(logging.INFO)

                def handler(event, context):
                    logging.info("in %s", os.environ["AWS_LAMBDA_FUNCTION_NAME"])
                    assert os.environ["AWS_LAMBDA_LOG_STREAM_NAME"] == context.log_stream_name, "one stream"
                    assert os.environ["LAMBDA_TASK_ROOT"] == os.getcwd()
                    return [os.environ[name] for name in ("AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "_HANDLER", "AWS_LAMBDA_INITIALIZATION_TYPE")]
                """, handler: "handler", function: metadata))
            let logged = try await client.run("{}", headers: [(RunnerHeader.logTail, "true")])
            #expect(logged.text == #"["7","256","eu-west-1","/aws/lambda/orders","handler","on-demand"]"#, "\(logged.text)")
            let tail = String(decoding: Data(base64Encoded: logged.header(RunnerHeader.logTail) ?? "") ?? Data(), as: UTF8.self)
            // INFO reaches the tail through a root handler: the runner's (`[INFO]\t<time>\tin orders`), or
            // in this test process, whose interpreter all runners share, one another test's code set up.
            #expect(tail.contains("INFO") && tail.hasSuffix("in orders\n"), "\(tail.debugDescription)")
            try await client.mustLoad(LoadRequest(code: code, handler: "handler", function: metadata))

            // Without X-Invocation-Id: a fresh random UUID each time.
            let ids = try await [client.run("1"), client.run("2")].map { try #require(try $0.json() as? [String: Any])["id"] as? String }
            #expect(ids[0] != ids[1])
            #expect(ids.allSatisfy { $0?.range(of: #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#, options: .regularExpression) != nil })
        }
    }

    @Test
    func handlerShapeIsDecidedByItsPositionalParameters() async throws {
        let code = """
            import functools

            def one(data, *, flag=False):
                return 'data'

            def two(event, context=None):
                return 'event+context' if context is not None else 'event only'

            class Callable:
                def __call__(self, event, context):
                    return 'callable ' + type(context).__name__

            instance = Callable()
            partial = functools.partial(lambda prefix, event, context: prefix + context.function_name, 'partial ')

            # Decorators: functools.wraps is looked through (as aws-lambda-powertools' are); a bare
            # *args wrapper is called as Lambda calls every handler, with both.
            def wraps(function):
                @functools.wraps(function)
                def wrapper(*args, **kwargs):
                    return function(*args, **kwargs)
                return wrapper

            def bare(function):
                def wrapper(*args):
                    return function(*args)
                return wrapper

            @wraps
            def wrapped(event, context):
                return 'wrapped ' + type(context).__name__

            @wraps
            def wrapped_one(data):
                return 'wrapped data'

            @bare
            def unwrapped(event, context):
                return 'bare ' + type(context).__name__

            def rest(event, *args):
                return 'rest %d' % len(args)
            """
        try await withRunner { client in
            for (handler, expected) in [
                ("one", #""data""#), ("two", #""event+context""#), ("instance", #""callable LambdaContext""#), ("partial", #""partial function""#),
                ("wrapped", #""wrapped LambdaContext""#), ("wrapped_one", #""wrapped data""#), ("unwrapped", #""bare LambdaContext""#),
                ("rest", #""rest 1""#),
            ] {
                try await client.mustLoad(LoadRequest(code: code, handler: handler))
                #expect(try await client.run("0").text == expected, "\(handler)")
            }
        }
    }

    /// `async def` handlers are awaited, on one event loop per load (a client made in one call works in
    /// the next), that a call interrupted at its deadline takes with it.
    @Test
    func asyncHandlersAreAwaitedOnTheLoadsEventLoop() async throws {
        let code = """
            import asyncio

            loops = []  # the loops themselves, so that no id is reused

            async def entrypoint(data):
                loops.append(asyncio.get_running_loop())
                await asyncio.sleep(0)
                if data == 'raise':
                    raise ValueError('async failure')
                if data == 'sleep':
                    print('sleeping')
                    await asyncio.sleep(60)
                return {'data': data, 'loops': len(set(map(id, loops))), 'calls': len(loops)}

            async def handler(event, context):
                return [event, context.function_name]

            def sync_wrapper(data):
                return entrypoint(data)
            """
        let timeout = [(RunnerHeader.timeoutMilliseconds, "300")]
        try await withRunner { client in
            try await client.mustLoad(LoadRequest(code: code))
            #expect(try await client.run("1").text == #"{"data":1,"loops":1,"calls":1}"#)
            #expect(try await client.run("2").text == #"{"data":2,"loops":1,"calls":2}"#, "the same loop again")
            let raised = try await client.run(#""raise""#)
            #expect(raised.status == .internalServerError)
            #expect(try raised.errorBody().error.type == "ValueError")
            #expect(try raised.errorBody().error.message == "async failure")
            let traceback = try raised.errorBody().error.traceback
            #expect(traceback.dropFirst().first?.hasPrefix(#"  File "function.py""#) == true, "asyncio's frames are the runner's: \(traceback)")
            #expect(try await client.run("3").text == #"{"data":3,"loops":1,"calls":4}"#, "an exception leaves the loop")

            let slept = try await client.post(RunnerPath.run, #""sleep""#, headers: timeout + [(RunnerHeader.logTail, "true")])
            #expect(slept.status == .gatewayTimeout, "an awaited sleep is interrupted at the deadline")
            let tail = slept.header(RunnerHeader.logTail).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
            #expect(tail == "sleeping\n", "\(tail ?? "none")")
            let after = try await client.run("4")
            #expect(after.text == #"{"data":4,"loops":2,"calls":6}"#, "a new loop after a timeout: \(after.text)")

            try await client.mustLoad(LoadRequest(code: code, handler: "handler", function: FunctionMetadata(name: "asyncfn")))
            #expect(try await client.run("5").text == #"[5,"asyncfn"]"#, "an async Lambda handler gets its context")
            try await client.mustLoad(LoadRequest(code: code, handler: "sync_wrapper"))
            #expect(try await client.run("6").text == #"{"data":6,"loops":1,"calls":1}"#, "a coroutine from a sync wrapper")
            // A loop the module made at import (for clients bound to it) is the one its handler runs on.
            try await client.mustLoad("import asyncio\n\nLOOP = asyncio.get_event_loop()\n\nasync def entrypoint(data):\n    return asyncio.get_running_loop() is LOOP\n")
            #expect(try await client.run("7").text == "true")
            // What one load's module scheduled on a loop of its own never runs in the next load.
            try await client.mustLoad("import asyncio\n\nasyncio.get_event_loop().call_soon(print, 'the first load ran')\n\ndef entrypoint(data):\n    return data\n")
            try await client.mustLoad("import asyncio\n\nasync def entrypoint(data):\n    await asyncio.sleep(0.01)\n    return data\n")
            let next = try await client.run("8", headers: [(RunnerHeader.logTail, "true")])
            let nextTail = next.header(RunnerHeader.logTail).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(next.text == "8" && !nextTail.contains("the first load ran"), "\(nextTail)")
        }
    }

    @Test
    func aMissingHandlerIsEntrypointNotFoundNamingWhatWasLookedFor() async throws {
        let package = try PackageDirectory([
            "main.py": "def entrypoint(data):\n    return data\n",
            "broken.py": "import not_installed_anywhere\n\ndef entrypoint(data):\n    return data\n",
        ])
        defer { package.remove() }
        try await withRunner { client in
            let noModule = try await client.load(LoadRequest(package: package.path, handler: "handlers.entrypoint"))
            #expect(noModule.status == .badRequest)
            let noModuleError = try noModule.errorBody()
            #expect(noModuleError.error.type == RunnerErrorType.noEntrypoint)
            #expect(noModuleError.detail.contains(#"no module "handlers""#), "\(noModuleError.detail)")

            let noFunction = try await client.load(LoadRequest(package: package.path, handler: "main.handle"))
            #expect(try noFunction.errorBody().error.type == RunnerErrorType.noEntrypoint)
            #expect(try noFunction.errorBody().detail.contains(#"module "main""#))
            #expect(try noFunction.errorBody().detail.contains("defines no handle"))

            // A module that exists but fails to import is the module's own error, not a missing handler.
            let broken = try await client.load(LoadRequest(package: package.path, handler: "broken.entrypoint"))
            #expect(broken.status == .badRequest)
            #expect(try broken.errorBody().error.type == "ModuleNotFoundError")
            #expect(try broken.errorBody().error.message.contains("not_installed_anywhere"))

            let codeHandler = try await client.load(LoadRequest(code: "def main(data):\n    return 1\n", handler: "handle"))
            #expect(try codeHandler.errorBody().error.type == RunnerErrorType.noEntrypoint)
            #expect(try codeHandler.errorBody().detail == "the code defines no handle")
            #expect(try await client.run("0").status == .badRequest, "nothing is loaded after a failed load")
        }
    }

    @Test
    func badPackageSysPathEnvAndFunctionFieldsAreInvalidRequests() async throws {
        try await withRunner { client in
            for (body, mentions) in [
                (#"{"package": 7}"#, #""package" must be a string"#),
                (#"{"package": "relative/dir"}"#, "must be an absolute path"),
                (#"{"package": "/no/such/pylambda/dir"}"#, "names no directory"),
                (#"{"code": "x = 1", "package": "/tmp"}"#, #"give "code" or "package", not both"#),
                (#"{"code": "def entrypoint(d): pass", "sys_path": "/tmp"}"#, #""sys_path" must be an array of strings"#),
                (#"{"code": "def entrypoint(d): pass", "sys_path": [1]}"#, #""sys_path" must be an array of strings"#),
                (#"{"code": "def entrypoint(d): pass", "env": ["A=1"]}"#, #""env" must be an object"#),
                (#"{"code": "def entrypoint(d): pass", "env": {"A": 1}}"#, #""env" must be an object"#),
                (#"{"code": "def entrypoint(d): pass", "env": {"A=B": "1"}}"#, "cannot be an environment variable"),
                (#"{"code": "def entrypoint(d): pass", "handler": 3}"#, #""handler" must be a string"#),
                (#"{"code": "def entrypoint(d): pass", "function": {"memory_limit_in_mb": "lots"}}"#, "memory_limit_in_mb"),
                (#"{"code": "def entrypoint(d): pass", "function": []}"#, #""function" must be an object"#),
            ] {
                let response = try await client.post(RunnerPath.load, body)
                #expect(response.status == .badRequest, "\(body)")
                let error = try response.errorBody()
                #expect(error.error.type == RunnerErrorType.invalidRequest, "\(body)")
                #expect(error.detail.contains(mentions), "\(body): \(error.detail)")
            }
        }
    }
}
