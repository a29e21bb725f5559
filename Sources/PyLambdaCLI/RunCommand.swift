import ArgumentParser
import Dispatcher
import FunctionPackages
import DockerEngine

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a function (a file, a package directory or a zip) once and print its JSON result.",
        discussion: """
            FILE is Python source defining `entrypoint(data)` (`-` reads it from stdin), or a package: a directory or a .zip of modules whose handler is `main.entrypoint` unless --handler says otherwise, with an optional requirements.txt. Requirements are installed on this machine as binary wheels for the runner's Python (cp311, manylinux_2_36_x86_64), once per set, and mounted read-only into the container, which still has no network. A handler with two parameters is called as Lambda's handler(event, context). The result goes to stdout as JSON (exit 0); any error goes to stderr, with the exit status saying what kind:
              1    the function raised, or the code did not load
              2    the package cannot be used (unsafe zip, limits, handler, requirements)
              3    Docker or runner setup problem (see `pylambda doctor`), its
                   requirements could not be installed, or the result could not
                   be written to stdout
              4    bad input or result (not JSON, too large, an unreadable
                   --data-file)
              5    too many concurrent invocations (none of its containers was free
                   within its timeout)
              124  timed out
              137  out of memory, or the runner process died or failed
              64   a usage error (an option's value, stdin given twice)

            The container stays warm after this process exits: the next `pylambda run` of the same code reuses it (module globals included), and it removes itself after --idle-ttl seconds unused.

            Examples:
              pylambda run examples/fibonacci.py --data '{"n": 10}'
              pylambda run examples/payload.py --data-file payload.json --log-tail
              pylambda run slow.py --timeout 5 --memory 512
              pylambda run untrusted.py --runtime runsc
              pylambda run examples/numpy-stats --data '{"values": [1, 2, 3]}'
              pylambda run examples/lambda-handler.py --handler handler
            """
    )

    @Argument(help: ArgumentHelp("A Python file, a package directory or zip, or - for a file on stdin.", valueName: "FILE|DIR|ZIP|-"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("The function to call: name, or module.name in a package.", valueName: "HANDLER"))
    var handler: String?

    @Option(name: .long, help: ArgumentHelp("Requirements to install instead of the package's requirements.txt.", valueName: "FILE"))
    var requirements: String?

    @Option(name: .long, help: ArgumentHelp("Input as JSON text (default: {}).", valueName: "JSON"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Read the input JSON from a file (- for stdin).", valueName: "F"))
    var dataFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds the call may take (more than 0, at most 86400).", valueName: "S"))
    var timeout: Double = RunArguments.defaultTimeout

    @Option(name: .long, help: ArgumentHelp("Memory limit of the container in MiB (swap is not added).", valueName: "MB"))
    var memory: Int = RunArguments.defaultMemory

    @Option(name: .long, help: ArgumentHelp("An environment variable for the function (repeatable).", valueName: "K=V"))
    var env: [String] = []

    @Flag(name: .long, help: "Also print the last 4 KiB of the function's stdout/stderr (to stderr).")
    var logTail = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "docker (isolated containers) or process (a plain child process: NO isolation, trusted code only).",
            valueName: "BACKEND"))
    var backend: RunArguments.Backend = .docker

    @Option(name: .long, help: "Runner image.")
    var image = DispatcherConfiguration.defaultImage

    @Option(name: .long, help: ArgumentHelp("Seconds an unused container stays warm (1 to 86400).", valueName: "S"))
    var idleTtl: Int = RunArguments.defaultIdleTtl

    @Flag(name: .long, help: "Remove the container when done instead of leaving it warm for the next run.")
    var noKeepWarm = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "runc (Docker's default) or runsc (gVisor: a user-space kernel between the function and the host; slower cold starts).",
            valueName: "RUNTIME"))
    var runtime: ContainerRuntime = .runc

    /// The arguments as parsed, for `run(_:)` (which the fast path calls with its own scan).
    var arguments: RunArguments {
        RunArguments(
            file: file, handler: handler, requirements: requirements, data: data, dataFile: dataFile, timeout: timeout,
            memory: memory, logTail: logTail, backend: backend, image: image, idleTtl: idleTtl, noKeepWarm: noKeepWarm,
            runtime: runtime, environment: (try? KeyValueArgument.environment(env)) ?? [:])
    }

    func validate() throws {
        _ = try KeyValueArgument.environment(env)
        if let problem = arguments.validationError { throw ValidationError(problem) }
    }

    func run() async throws {
        try await Self.run(arguments)
    }

    /// Runs the call `arguments` ask for, prints its result, and throws `ExitCode` with the
    /// documented status when it fails.
    static func run(_ arguments: RunArguments) async throws {
        let input: String
        do {
            // No input at all (`--data ''`, an empty file) is an empty event, as serve and Lambda take
            // an empty body.
            let given = try arguments.data ?? arguments.dataFile.map { try InputFile.read($0, limit: InputFile.maxDataBytes) } ?? ""
            input = given.isEmpty ? "{}" : given
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(4)
        }

        var configuration = DispatcherConfiguration()
        configuration.image = arguments.image
        configuration.warmPoolSize = 0
        configuration.idleTTL = .seconds(arguments.idleTtl)
        configuration.keepWarmAfterShutdown = !arguments.noKeepWarm
        // A warm run only reads a few records and calls the runner; Docker is asked nothing unless a
        // container has to be started.
        configuration.orphanSweep = .beforeFirstStart
        configuration.function.timeout = .milliseconds(max(1, Int64((arguments.timeout * 1000).rounded())))
        configuration.function.memoryBytes = Int64(arguments.memory) << 20
        configuration.function.runtime = arguments.runtime
        configuration.logger.logLevel = .error
        if arguments.backend == .process {
            guard let runner = RunnerExecutable.find() else {
                StandardError.print("error: --backend process needs the swift-runner binary next to pylambda or on PATH (swift build --product swift-runner)")
                throw ExitCode(3)
            }
            StandardError.print("warning: --backend process runs the function as a plain child process with rlimits: this is NOT container isolation; use it only for trusted code.")
            configuration.backend = .process(runnerExecutable: runner)
            configuration.keepWarmAfterShutdown = false
        }
        let cache = PackagePreparer.defaultCacheDirectory
        configuration.dependencyStoreDirectory = PackagePreparer.dependencyStoreDirectory(in: cache)
        // First, because it checks the dependency store (and the directories above it) before
        // anything is installed there.
        let dispatcher: Dispatcher
        do {
            dispatcher = try Dispatcher(configuration: configuration)
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(Self.exitCode(for: error))
        }
        let function: FunctionDefinition
        do {
            function = try await FunctionLoader.definition(
                of: arguments.file, handler: arguments.handler, requirements: arguments.requirements, environment: arguments.environment,
                cacheDirectory: cache, configuration: configuration.function)
        } catch {
            await dispatcher.shutdown()
            throw error
        }
        let interruption = Interruption()
        // SIGHUP too: a closed terminal must not leave the call running in a container the next run
        // would find busy.
        let signals = SignalTrap(signals: [SIGINT, SIGTERM, SIGHUP]) { signal in
            // Removes the container in the middle of the call; the others stay warm. A second signal
            // while that happens changes nothing.
            guard interruption.signal.compareExchange(expected: 0, desired: signal, ordering: .relaxed).exchanged else { return }
            await dispatcher.shutdown()
            StandardError.print("interrupted: the call's container was removed")
            Glibc.exit(128 + signal)
        }
        defer { signals.cancel() }
        let outcome = await withTaskGroup(of: Result<InvocationResult, any Error>?.self) { group in
            group.addTask {
                do { try await dispatcher.run() } catch {}
                return nil
            }
            let outcome: Result<InvocationResult, any Error>
            do {
                outcome = .success(try await dispatcher.invoke(function, payload: Array(input.utf8), logTail: arguments.logTail))
            } catch {
                outcome = .failure(error)
            }
            await dispatcher.shutdown()
            return outcome
        }
        switch outcome {
        case .success(let result):
            if let tail = result.logTail, !tail.isEmpty {
                StandardError.print("--- log tail ---\n\(tail)")
            }
            print(result.jsonString)
        case .failure(let error):
            if interruption.signal.load(ordering: .relaxed) != 0 {
                // The signal handler is removing the containers and exits when done.
                try await Task.sleep(for: .seconds(60))
            }
            if let tail = (error as? DispatcherError)?.logTail, !tail.isEmpty {
                StandardError.print("--- log tail ---\n\(tail)")
            }
            StandardError.print("error: \(error)")
            if case .docker(.daemonUnreachable) = error as? DispatcherError {
                StandardError.print("hint: for trusted code on a machine without Docker, `--backend process` runs the runner as a plain child process (no isolation).")
            }
            throw ExitCode(Self.exitCode(for: error))
        }
    }

    static func exitCode(for error: any Error) -> Int32 {
        guard let error = error as? DispatcherError else { return 3 }
        switch error.fault {
        case .raised, .didNotLoad: return 1
        case .invalidInput, .inputTooLarge, .unusableResult: return 4
        case .throttled: return 5
        case .timedOut: return 124
        case .outOfMemory, .runnerFailed: return 137
        case .unavailable, .stopping, .invalidConfiguration: return 3
        }
    }
}

extension RunArguments.Backend: ExpressibleByArgument {}
