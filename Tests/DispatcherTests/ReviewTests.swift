import Foundation
import Testing

@testable import Dispatcher

/// Fails the test instead of hanging it when `body` takes longer than `limit`.
func withinTimeLimit<T: Sendable>(
    _ limit: Duration, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("did not finish within \(limit)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return value
    }
}

extension DockerBackedTests {
    // MARK: Queued calls always come back

    @Test func loadFailuresWhileCallsAreQueuedAllReturn() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 4 }) { dispatcher, _ in
            // 4 start runners and fail to load; the 2 queued behind them must not wait forever.
            let code = "def entrypoint(data):\n    return (\n"
            let outcomes = try await withinTimeLimit(.seconds(90)) {
                await withTaskGroup(of: (any Error)?.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            do {
                                _ = try await dispatcher.run(code: code, json: "null")
                                return nil
                            } catch { return error }
                        }
                    }
                    var all: [(any Error)?] = []
                    for await outcome in group { all.append(outcome) }
                    return all
                }
            }
            #expect(outcomes.count == 6)
            for outcome in outcomes {
                guard case DispatcherError.loadFailed(let type, _, _)? = outcome else {
                    Issue.record("expected loadFailed, got \(String(describing: outcome))")
                    continue
                }
                #expect(type == "SyntaxError")
            }
            #expect(await dispatcher.runners().isEmpty)
        }
    }

    // MARK: Cancellation cleans up

    @Test func cancellingDuringAColdStartLeavesNoContainer() async throws {
        try await withDispatcher { dispatcher, docker in
            // Different moments of the start: create, start, waiting for /healthz, /load.
            for (index, delay) in [5, 30, 80, 150, 300].enumerated() {
                let code = Functions.whoAmI(tag: "cold-cancel-\(index)")
                let call = Task { try await dispatcher.run(code: code, json: "null") }
                try await Task.sleep(for: .milliseconds(delay))
                call.cancel()
                let outcome = await call.result
                // While the dispatcher is still up: nothing may be left "created" or running.
                let gone = try await TestEnvironment.eventually(timeout: .seconds(15)) {
                    let ids = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity)
                    let held = Set(await dispatcher.runners().map(\.id))
                    return ids.isSubset(of: held)
                }
                let held = await dispatcher.runners().map(\.name)
                let left = try await docker.listContainers(labels: ["\(ContainerLabel.owner)=\(dispatcher.identity)"])
                #expect(gone, "cancelled after \(delay) ms: a container the dispatcher does not hold was left: \(left.map { "\($0.name) \($0.State ?? "")" }) held \(held) outcome \(outcome)")
            }
            // And the dispatcher still works.
            #expect(try await dispatcher.run(code: Functions.echo, json: "7") == "7")
        }
    }

    @Test func cancellingTheScopedFormStillRemovesItsContainers() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { try? await docker.shutdown() } }
        let started = AsyncStream<DispatcherIdentity>.makeStream()
        let scoped = Task {
            try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
                _ = try await dispatcher.run(code: Functions.echo, json: "1")
                started.continuation.yield(dispatcher.identity)
                return try await dispatcher.run(
                    code: "import time\ndef entrypoint(data):\n    time.sleep(30)\n", json: "null")
            }
        }
        var owner: DispatcherIdentity?
        for await identity in started.stream {
            owner = identity
            break
        }
        try await Task.sleep(for: .milliseconds(300))
        scoped.cancel()
        let outcome = await scoped.result
        #expect(throws: (any Error).self) { try outcome.get() }
        let identity = try #require(owner)
        // Shutdown ran in the cancelled task and must still have reached the daemon.
        #expect(try await TestEnvironment.containerIDs(docker, owner: identity).isEmpty)
    }

    @Test func aCancelledWaiterLeavesTheRunnerItWasHandedWarm() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 1 }) { dispatcher, _ in
            let code = Functions.counter("handover")
            let hash = Dispatcher.sha256(code)
            let function = dispatcher.configuration.function
            var expected = try await dispatcher.run(code: code, input: [Int](), as: CallCounter.self).calls
            #expect(expected == 1)
            let container = try #require(await dispatcher.runners().first?.id)
            for _ in 0..<5 {
                let lease = try await dispatcher.pool.acquire(code: code, codeHash: hash, function: function)
                let waiter = Task { try await dispatcher.pool.acquire(code: code, codeHash: hash, function: function) }
                try await Task.sleep(for: .milliseconds(50))
                // Either the cancellation or the hand-over reaches the pool first; both must end the same.
                waiter.cancel()
                await dispatcher.pool.release(lease, healthy: true)
                let outcome = await waiter.result
                if case .success(let late) = outcome {
                    await dispatcher.pool.release(late, healthy: true)
                    Issue.record("a cancelled waiter was handed a runner")
                }
                let runners = await dispatcher.runners()
                #expect(runners.map(\.id) == [container])
                #expect(runners.first?.busy == false)
            }
            expected += 1
            let last = try await dispatcher.run(code: code, input: [Int](), as: CallCounter.self)
            #expect(last.calls == expected, "the same warm container answers")
        }
    }

    // MARK: Shutdown

    @Test func everyShutdownCallWaitsForTheRemoval() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { try? await docker.shutdown() } }
        let dispatcher = try await Dispatcher(configuration: TestEnvironment.configuration())
        for index in 0..<3 {
            _ = try await dispatcher.run(code: Functions.whoAmI(tag: "shutdown-\(index)"), json: "null")
        }
        let first = Task { await dispatcher.shutdown() }
        try await Task.sleep(for: .milliseconds(5))
        await dispatcher.shutdown()
        #expect(try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty)
        await first.value
        await dispatcher.shutdown()
    }

    // MARK: State directory, limits, eviction

    @Test func theStateDirectoryIsPrivateAndRunnersStillWork() async throws {
        let directory = "/tmp/pylambda-state-test-\(getpid())"
        #expect(SmallFile.makeDirectory(directory, mode: 0o755))
        defer { SmallFile.removeDirectory(directory) }
        try await withDispatcher({ $0.stateDirectory = directory }) { dispatcher, _ in
            var info = stat()
            #expect(lstat(directory, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700, "an existing state directory is made private")
            // The runner (uid 65534) still creates its socket in its own directory under it.
            let answer = try await dispatcher.run(code: Functions.echo, json: "[2]")
            #expect(answer == "[2]")
        }
        // Another user's (or a symlinked) state directory is refused.
        let link = directory + "-link"
        unlink(link)
        #expect(symlink(directory, link) == 0)
        defer { unlink(link) }
        await #expect {
            _ = try await Dispatcher(configuration: TestEnvironment.configuration { $0.stateDirectory = link })
        } throws: { "\($0)".contains("0700") }
    }

    @Test func aTimeoutBeyondADayIsClampedNotATrap() async throws {
        try await withDispatcher { dispatcher, _ in
            var function = FunctionConfiguration()
            function.timeout = .seconds(10_000_000_000_000)
            let answer = try await dispatcher.run(code: Functions.echo, data: Array("3".utf8), function: function)
            #expect(answer.jsonString == "3")
        }
    }

    @Test func aWarmGenericRunnerIsUsedBeforeEvictingAnything() async throws {
        try await withDispatcher({
            $0.maxContainers = 2
            $0.warmPoolSize = 1
        }) { dispatcher, _ in
            let a = Functions.whoAmI(tag: "keep-a")
            let b = Functions.whoAmI(tag: "keep-b")
            _ = try await dispatcher.run(code: a, json: "null")
            let warm = await TestEnvironment.eventually {
                await dispatcher.runners().contains { $0.codeHash == nil && !$0.busy }
            }
            #expect(warm)
            _ = try await dispatcher.run(code: b, json: "null")
            let hashes = Set(await dispatcher.runners().compactMap(\.codeHash))
            #expect(hashes == [Dispatcher.sha256(a), Dispatcher.sha256(b)], "a was evicted for nothing")
        }
    }
}

/// The CLI as a subprocess: bad options are refused with a message, never a crash.
@Suite struct CommandLineValidationTests {
    static func cli() -> URL? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("pylambda").path) {
            directory = directory.deletingLastPathComponent()
        }
        let cli = directory.appendingPathComponent("pylambda")
        return FileManager.default.isExecutableFile(atPath: cli.path) ? cli : nil
    }

    @Test(arguments: [
        ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "1e13"], ["--timeout", "86401"],
        ["--timeout", "0"], ["--timeout=-5"], ["--idle-ttl", "9223372036854775807"], ["--idle-ttl", "0"],
        ["--memory", "9223372036854775807"],
    ])
    func badOptionsAreRefusedClearly(_ options: [String]) throws {
        guard let cli = Self.cli() else {
            Issue.record("pylambda is not built next to the tests (swift build --build-tests builds it)")
            return
        }
        let process = Process()
        process.executableURL = cli
        process.arguments = ["run", "/dev/null"] + options
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "crashed: \(text)")
        #expect(process.terminationStatus == 64, "\(text)")
        let option = options[0].split(separator: "=")[0]
        #expect(text.contains(option), "the message names the option: \(text)")
    }

    @Test func limitsOfTheLibraryAreClamped() {
        var function = FunctionConfiguration()
        function.timeout = .seconds(1e13)
        #expect(function.effectiveTimeout == FunctionConfiguration.maxTimeout)
        function.timeout = .seconds(-1)
        #expect(function.effectiveTimeout == .milliseconds(1))
        var configuration = DispatcherConfiguration()
        configuration.idleTTL = .seconds(Int.max)
        #expect(configuration.idleTTLSeconds == DispatcherConfiguration.maxIdleTTLSeconds)
    }
}
