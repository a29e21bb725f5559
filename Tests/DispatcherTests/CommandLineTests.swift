import Foundation
import Testing

@testable import Dispatcher

/// The CLI as a subprocess: bad options are refused with a message, never a crash.
@Suite struct CommandLineValidationTests {
    @Test(arguments: [
        ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "1e13"], ["--timeout", "86401"],
        ["--timeout", "0"], ["--timeout=-5"], ["--idle-ttl", "9223372036854775807"], ["--idle-ttl", "0"],
        ["--memory", "9223372036854775807"], ["--runtime", "kata"],
    ])
    func badOptionsAreRefusedClearly(_ options: [String]) throws {
        let result = try TestEnvironment.runCLI(["run", "/dev/null"] + options)
        #expect(result.status == 64, "\(result.errors)")
        let option = options[0].split(separator: "=")[0]
        #expect(result.errors.contains(option), "the message names the option: \(result.errors)")
    }

    /// serve's `--idle-timeout` is seconds from 0 (never) to a day; anything else is refused before
    /// serve opens its state directory.
    @Test(arguments: ["-1", "nan", "inf", "86401", "0.0004"])
    func badServeIdleTimeoutsAreRefused(_ value: String) throws {
        let result = try TestEnvironment.runCLI(["serve", "--state", "/nonexistent/pylambda-test", "--idle-timeout=\(value)"])
        #expect(result.status == 64 && result.errors.contains("--idle-timeout must be 0 (never) or from 1 to 86400 seconds"), "\(result.status): \(result.errors)")
    }

    /// `pylambda run` is parsed on its own first; whatever that parse refuses goes through the whole
    /// command tree, so help, unknown options and validation read as they do for every subcommand.
    /// `KEY=VALUE` options (`KeyValueArgument`): no `=`, or (for `--env`) no key, is refused with the
    /// option's name, before anything else happens.
    @Test(arguments: [
        (["deploy", "f", "/dev/null", "--env", "=x"], "--env takes KEY=VALUE, got =x"),
        (["deploy", "f", "/dev/null", "--env", "MODE"], "--env takes KEY=VALUE, got MODE"),
        (["run", "/dev/null", "--env", "MODE"], "--env takes KEY=VALUE, got MODE"),
        (["image", "build", "--build-arg", "VERSION"], "--build-arg takes KEY=VALUE, got VERSION"),
        (["gc", "--foreign", "--label", "pylambda.test"], #"--label takes KEY=VALUE, not "pylambda.test""#),
    ])
    func keyValueOptionsWithoutAnEqualsSignAreRefused(_ arguments: [String], message: String) throws {
        let result = try TestEnvironment.runCLI(arguments)
        #expect(result.status == 64 && result.errors.contains(message), "\(result.status): \(result.errors)")
    }

    @Test func runParsedOnItsOwnStillExplainsItself() throws {
        let help = try TestEnvironment.runCLI(["run", "--help"])
        #expect(help.status == 0, "\(help.errors)")
        #expect(help.output.contains("USAGE: pylambda run "), "\(help.output)")
        let unknown = try TestEnvironment.runCLI(["run", "/dev/null", "--bogus"])
        #expect(unknown.status == 64)
        #expect(unknown.errors.contains("Unknown option '--bogus'") && unknown.errors.contains("pylambda run"), "\(unknown.errors)")
        let both = try TestEnvironment.runCLI(["run", "/dev/null", "--data", "{}", "--data-file", "/dev/null"])
        #expect(both.status == 64)
        #expect(both.errors.contains("Give --data or --data-file, not both."), "\(both.errors)")
        let missing = try TestEnvironment.runCLI(["run"])
        #expect(missing.status == 64)
        #expect(missing.errors.contains("Missing expected argument"), "\(missing.errors)")
    }

    /// A call's failures leave `pylambda run` (parsed on its own) with the documented exit codes.
    @Test func runExitsWithTheStatusOfItsCallsOutcome() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("exit-codes-\(getpid()).py")
        let tag = UInt32.random(in: 0...UInt32.max)
        try "# \(tag)\nimport os\n\ndef entrypoint(data):\n    if data.get('fail'):\n        raise ValueError('asked to fail')\n    if data.get('env'):\n        return [os.environ.get('STAGE'), os.environ.get('URL')]\n    return data\n"
            .write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }
        let common = ["--image", TestEnvironment.image, "--no-keep-warm"]
        let raised = try TestEnvironment.runCLI(["run", source.path, "--data", #"{"fail": true}"#] + common)
        #expect(raised.status == 1, "\(raised.errors)")
        #expect(raised.errors.contains("ValueError") && raised.errors.contains("asked to fail"), "\(raised.errors)")
        let notJSON = try TestEnvironment.runCLI(["run", source.path, "--data", "{not json"] + common)
        #expect(notJSON.status == 4, "\(notJSON.errors)")
        let answered = try TestEnvironment.runCLI(["run", source.path, "--data", #"{"n": 1}"#] + common)
        #expect(answered.status == 0, "\(answered.errors)")
        #expect(answered.output == #"{"n":1}"#, "\(answered.output)")
        let empty = try TestEnvironment.runCLI(["run", source.path, "--data", ""] + common)
        #expect(empty.status == 0 && empty.output == "{}", "no input is an empty event, as in serve: \(empty.output) \(empty.errors)")
        let configured = try TestEnvironment.runCLI(["run", source.path, "--data", #"{"env": 1}"#, "--env", "STAGE=test", "--env", "URL=a=b"] + common)
        #expect(configured.status == 0 && configured.output == #"["test","a=b"]"#, "--env: \(configured.output) \(configured.errors)")
        #expect(try TestEnvironment.runCLI(["run", source.path, "--env", "NOVALUE"] + common).status == 64, "a pair without = is a usage error")
        // A result that could not be written is not a success.
        let full = try TestEnvironment.runCLI(["run", source.path, "--data", #"{"n": 1}"#] + common, standardOutput: FileHandle(forWritingAtPath: "/dev/full"))
        #expect(full.status == 3 && full.errors.contains("could not write the output to stdout: No space left on device"), "\(full.status): \(full.errors)")
        await docker.shutdown()
    }

    /// What the CLI reads (source, requirements, input) is a regular file or stdin, bounded and UTF-8:
    /// a device never ends, a FIFO would block the open, and text that is not UTF-8 would be run
    /// other than it is on disk. Each is refused at once, as bad input (4) or a usage error (64).
    @Test func inputsThatAreNotBoundedTextAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-inputs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("echo.py").path
        try "def entrypoint(data):\n    return data\n".write(toFile: source, atomically: true, encoding: .utf8)
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let latin1 = directory.appendingPathComponent("latin1.json").path
        #expect(FileManager.default.createFile(atPath: latin1, contents: Data([0x22, 0x63, 0x61, 0x66, 0xE9, 0x22])))
        for (file, reason) in [("/dev/zero", "it is not a regular file"), (fifo, "it is not a regular file"), (latin1, "it is not UTF-8 text"), (directory.path, "it is a directory")] {
            let result = try TestEnvironment.runCLI(["run", source, "--data-file", file])
            #expect(result.status == 4 && result.errors.contains("cannot read \(file): \(reason)"), "\(file): \(result.status) \(result.errors)")
        }
        let twice = try TestEnvironment.runCLI(["run", "-", "--requirements", "-"], stdin: "def entrypoint(data):\n    return data\n")
        #expect(twice.status == 64 && twice.errors.contains("Only one of FILE, --data-file and --requirements can be stdin."), "\(twice.errors)")
        let deployTwice = try TestEnvironment.runCLI(["deploy", "f", "-", "--requirements", "-"])
        #expect(deployTwice.status == 64 && deployTwice.errors.contains("Only one of FILE and --requirements can be stdin."), "\(deployTwice.errors)")
        let nan = try TestEnvironment.runCLI(["deploy", "f", source, "--timeout", "nan"])
        #expect(nan.status == 64 && nan.errors.contains("--timeout is a number of seconds"), "\(nan.errors)")
    }

    /// `--server` is checked before it is used: a port past 65535 crashed the client.
    @Test(arguments: ["http://127.0.0.1:99999", "http://127.0.0.1:0", "http://", "ftp://127.0.0.1", "http://127.0.0.1:8900/v1/functions"])
    func unusableServerURLsAreUsageErrors(_ url: String) throws {
        let result = try TestEnvironment.runCLI(["functions", "--server", url, "--state", "/nonexistent/pylambda-test"], environment: ["PYLAMBDA_KEY": "k"])
        #expect(result.status == 64 && result.errors.contains("--server (or PYLAMBDA_SERVER) \"\(url)\" cannot be used"), "\(result.status): \(result.errors)")
    }

    /// A password in `--server` is refused without being printed; an empty name or id would make `//`,
    /// which routes to another endpoint.
    @Test func credentialsInTheServerURLAndEmptyNamesAreUsageErrors() throws {
        let credentials = try TestEnvironment.runCLI(["functions", "--server", "http://ada:hunter2@127.0.0.1:8900"], environment: ["PYLAMBDA_KEY": "k"])
        #expect(credentials.status == 64 && credentials.errors.contains("has a user or password in it") && !credentials.errors.contains("hunter2"), "\(credentials.errors)")
        for arguments in [["invocations", ""], ["functions", ""], ["invoke", ""], ["keys", "revoke", ""], ["deploy", "", "/dev/null"]] {
            let empty = try TestEnvironment.runCLI(arguments + ["--server", "http://127.0.0.1:9"], environment: ["PYLAMBDA_KEY": "k"])
            #expect(empty.status == 64 && empty.errors.contains("is empty."), "\(arguments): \(empty.status) \(empty.errors)")
        }
    }

    /// `run FILE --requirements -` reads the requirements from stdin (it looked for a file named `-`).
    @Test func runReadsRequirementsFromStdin() throws {
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-requirements-\(getpid()).py").path
        try "def entrypoint(data):\n    return data\n".write(toFile: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: source) }
        let result = try TestEnvironment.runCLI(["run", source, "--requirements", "-"], stdin: "this is not a requirement!\n")
        #expect(result.status == 2 && result.errors.contains("requirements line 1"), "\(result.status): \(result.errors)")
    }

    /// A key that cannot be sent is refused without being printed: it is a secret.
    @Test func aKeyWithControlCharactersIsRefusedUnshown() throws {
        let result = try TestEnvironment.runCLI(["functions", "--server", "http://127.0.0.1:9"], environment: ["PYLAMBDA_KEY": "secret\u{01}part"])
        #expect(result.status == 3 && result.errors.contains("PYLAMBDA_KEY has characters no key has") && !result.errors.contains("secret"), "\(result.errors)")
    }

    @Test func limitsOfTheLibraryAreClampedOrRefused() throws {
        var function = FunctionConfiguration()
        function.timeout = .seconds(1e13)
        #expect(function.effectiveTimeout == FunctionConfiguration.maxTimeout)
        function.timeout = .seconds(-1)
        #expect(function.effectiveTimeout == .milliseconds(1))
        var configuration = DispatcherConfiguration()
        configuration.idleTTL = .seconds(Int.max)
        #expect(configuration.idleTTLSeconds == DispatcherConfiguration.maxIdleTTLSeconds)
        for user in ["0", "0:0", "root", "root:root"] {
            var root = FunctionConfiguration()
            root.user = user
            #expect(throws: DispatcherError.self, "user \(user)") { try root.validate() }
        }
        for bytes in [0, -1, (1 << 30) + 1, 1 << 32, Int.max] {
            var huge = FunctionConfiguration()
            huge.maxBodyBytes = bytes
            #expect(throws: DispatcherError.self, "maxBodyBytes \(bytes)") { try huge.validate() }
            // Made before it is validated: it must not trap either.
            let limit = FunctionDefinition(source: "", configuration: huge).maxResponseBytes
            #expect(limit >= 1 + (64 << 10) && limit <= (1 << 30) + (64 << 10))
        }
        var rootDispatcher = DispatcherConfiguration()
        rootDispatcher.function.user = "0:0"
        #expect { _ = try Dispatcher(configuration: rootDispatcher) } throws: { "\($0)".contains("must not be root") }
    }
}
