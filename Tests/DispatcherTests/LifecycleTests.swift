import Foundation
import Testing

@testable import Dispatcher

extension DockerBackedTests {
    // MARK: Reuse across processes

    @Test func warmContainersAreSharedWithTheNextDispatcher() async throws {
        let code = Functions.counter("shared-\(UInt32.random(in: 0...UInt32.max))")
        let shared = TestEnvironment.configuration { $0.keepWarmAfterShutdown = true }
        let first = try await Dispatcher.withDispatcher(configuration: shared) {
            try await $0.run(code: code, input: [Int](), as: CallCounter.self)
        }
        // A new dispatcher stands for the next `pylambda run` process: it adopts the warm container.
        let second = try await Dispatcher.withDispatcher(configuration: shared) {
            try await $0.run(code: code, input: [Int](), as: CallCounter.self)
        }
        #expect(first.calls == 1)
        #expect(second.calls == 2)
        // A dispatcher that does not keep things warm adopts it too, and removes it when done.
        guard let docker = await TestEnvironment.docker() else { return }
        let third = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) {
            try await $0.run(code: code, input: [Int](), as: CallCounter.self)
        }
        #expect(third.calls == 3)
        let left = try await docker.listContainers(labels: ["\(ContainerLabel.codeHash)=\(Dispatcher.sha256(code))"])
        #expect(left.isEmpty)
        try await docker.shutdown()
    }

    @Test func theCLIReusesItsContainerAcrossProcesses() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { try? await docker.shutdown() } }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("pylambda").path) {
            directory = directory.deletingLastPathComponent()
        }
        let cli = directory.appendingPathComponent("pylambda")
        guard FileManager.default.isExecutableFile(atPath: cli.path) else {
            Issue.record("pylambda is not built next to the tests (swift build --build-tests builds it)")
            return
        }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("counter-\(getpid()).py")
        let code = Functions.counter("cli-\(UInt32.random(in: 0...UInt32.max))")
        try code.write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }

        func runCLI() throws -> (Int32, String) {
            let process = Process()
            process.executableURL = cli
            process.arguments = ["run", source.path, "--data", "{}", "--image", TestEnvironment.image, "--idle-ttl", "30"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(try runCLI() == (0, #"{"calls":1}"#))
        #expect(try runCLI() == (0, #"{"calls":2}"#), "the second process reuses the warm container")
        let containers = try await docker.listContainers(labels: ["\(ContainerLabel.codeHash)=\(Dispatcher.sha256(code))"])
        #expect(containers.count == 1)
        #expect(containers.first?.Labels?[ContainerLabel.idleTTL] == "30", "the runner's own TTL removes it later")
        for container in containers {
            try await docker.removeContainer(container.Id)
            if let directory = container.Labels?[ContainerLabel.socketDirectory] { SmallFile.removeDirectory(directory) }
        }
    }

    // MARK: Scale-out, queueing, warm pool, eviction

    @Test func busyFunctionsScaleOutThenQueueThenRefuse() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 3; $0.maxQueuedInvocationsPerFunction = 2 }) {
            dispatcher, _ in
            let code = Functions.whoAmI(sleep: 1.0, tag: "scale")
            // 3 run at once on 3 containers, 2 wait for them, the 6th is refused.
            let outcomes = await withTaskGroup(of: Result<String, any Error>.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(index < 5 ? 0 : 300))
                        do { return .success(try await dispatcher.run(code: code, json: "null")) } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<String, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let hosts = outcomes.compactMap { try? $0.get() }
            let refused = outcomes.filter {
                if case .failure(DispatcherError.tooManyConcurrentInvocations) = $0 { return true }
                return false
            }
            #expect(hosts.count == 5)
            #expect(Set(hosts).count == 3, "three containers served the five calls")
            #expect(refused.count == 1)
            if case .failure(let error) = refused.first {
                #expect("\(error)".contains("too many concurrent invocations"))
            }
            #expect(await dispatcher.runners().count == 3)
        }
    }

    @Test func warmPoolServesNewCodeAndRefills() async throws {
        try await withDispatcher({ $0.warmPoolSize = 1 }) { dispatcher, _ in
            let ready = await TestEnvironment.eventually {
                await dispatcher.runners().contains { $0.codeHash == nil }
            }
            #expect(ready, "the warm pool fills after start")
            let generic = try #require(await dispatcher.runners().first { $0.codeHash == nil })
            let started = ContinuousClock.now
            let host = try await dispatcher.run(code: Functions.whoAmI(tag: "pool"), json: "null")
            let elapsed = ContinuousClock.now - started
            #expect(generic.id.hasPrefix(host.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
            #expect(elapsed < .milliseconds(1500), "new code on a warm runner pays only /load (took \(elapsed))")
            let refilled = await TestEnvironment.eventually {
                await dispatcher.runners().contains { $0.codeHash == nil && $0.id != generic.id }
            }
            #expect(refilled, "the pool is refilled in the background")
        }
    }

    @Test func theLeastRecentlyUsedIdleContainerMakesRoom() async throws {
        try await withDispatcher({ $0.maxContainers = 2 }) { dispatcher, docker in
            let a = Functions.whoAmI(tag: "a")
            let b = Functions.whoAmI(tag: "b")
            let c = Functions.whoAmI(tag: "c")
            _ = try await dispatcher.run(code: a, json: "null")
            _ = try await dispatcher.run(code: b, json: "null")
            _ = try await dispatcher.run(code: a, json: "null")  // b is now the least recently used
            _ = try await dispatcher.run(code: c, json: "null")
            let hashes = Set(await dispatcher.runners().compactMap(\.codeHash))
            #expect(hashes == [Dispatcher.sha256(a), Dispatcher.sha256(c)])
            let evicted = try await TestEnvironment.eventually {
                try await docker.listContainers(labels: ["\(ContainerLabel.codeHash)=\(Dispatcher.sha256(b))"]).isEmpty
            }
            #expect(evicted, "the evicted container is removed from Docker")
        }
    }

    // MARK: Idle cleanup and orphans

    @Test func idleContainersAreRemovedByTheDispatcher() async throws {
        try await withDispatcher({ $0.idleTTL = .seconds(2) }) { dispatcher, docker in
            _ = try await dispatcher.run(code: Functions.whoAmI(tag: "idle"), json: "null")
            let runners = await dispatcher.runners()
            #expect(runners.count == 1, "right after the call: \(runners)")
            let removed = try await TestEnvironment.eventually(timeout: .seconds(8)) {
                try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty
            }
            #expect(removed)
            #expect(await dispatcher.runners().isEmpty)
        }
    }

    @Test func leftWarmContainersExpireByThemselvesAndAreSweptUp() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let code = Functions.whoAmI(tag: "self-expiry-\(UInt32.random(in: 0...UInt32.max))")
        let label = "\(ContainerLabel.codeHash)=\(Dispatcher.sha256(code))"
        _ = try await Dispatcher.withDispatcher(
            configuration: TestEnvironment.configuration {
                $0.keepWarmAfterShutdown = true
                $0.idleTTL = .seconds(2)
            }
        ) { try await $0.run(code: code, json: "null") }
        let left = try await docker.listContainers(labels: [label])
        #expect(left.map(\.State) == ["running"], "left warm for the next process")
        let directory = try #require(left.first?.Labels?[ContainerLabel.socketDirectory])
        // Nobody owns it now; the runner's RUNNER_IDLE_TTL makes it exit, and it removes itself:
        // nothing stays in `docker ps -a`, with no dispatcher around.
        let gone = try await TestEnvironment.eventually(timeout: .seconds(12)) {
            try await docker.listContainers(labels: [label]).isEmpty
        }
        let still = try await docker.listContainers(labels: [label]).map(\.State)
        #expect(gone, "still there: \(still)")
        // Its socket directory is removed by the next dispatcher.
        let dispatcher = try await Dispatcher(configuration: TestEnvironment.configuration())
        await dispatcher.shutdown()
        #expect(!SmallFile.isDirectory(directory), "the directory of a container that is gone stays: \(directory)")
        try await docker.shutdown()
    }

    @Test func whatAnExitedCLIProcessLeftWarmIsGoneAfterItsIdleTTL() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { try? await docker.shutdown() } }
        guard let cli = CommandLineValidationTests.cli() else {
            Issue.record("pylambda is not built next to the tests (swift build --build-tests builds it)")
            return
        }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("expiry-\(getpid()).py")
        let code = Functions.counter("cli-expiry-\(UInt32.random(in: 0...UInt32.max))")
        try code.write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }
        let process = Process()
        process.executableURL = cli
        process.arguments = ["run", source.path, "--data", "{}", "--image", TestEnvironment.image, "--idle-ttl", "2"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let label = "\(ContainerLabel.codeHash)=\(Dispatcher.sha256(code))"
        let left = try await docker.listContainers(labels: [label])
        #expect(left.map(\.State) == ["running"], "the exited process left its container warm")
        #expect(left.first?.Labels?[ContainerLabel.lifetime] == "shared")
        let gone = try await TestEnvironment.eventually(timeout: .seconds(12)) {
            try await docker.listContainers(labels: [label]).isEmpty
        }
        #expect(gone, "after its RUNNER_IDLE_TTL of 2 s the container is gone from `docker ps -a`")
        for container in try await docker.listContainers(labels: [label]) {
            try? await docker.removeContainer(container.Id)
        }
    }

    @Test func containersOfADeadDispatcherAreRemovedAtStart() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        // An owner that cannot be alive: this host, a pid that does not exist.
        var deadPid: Int32 = 4_000_000
        while kill(deadPid, 0) == 0 { deadPid -= 1 }
        let dead = DispatcherIdentity(
            host: DispatcherIdentity.hostName(), pid: deadPid, startTicks: 12345, nonce: "dead")
        #expect(!dead.isAlive)
        let directory = DispatcherConfiguration.defaultStateDirectory + "/orphan-\(getpid())"
        _ = SmallFile.makeDirectory(directory, mode: 0o777)
        let spec = ContainerSpec(
            image: TestEnvironment.image, function: FunctionConfiguration(), codeHash: "orphan", owner: dead.description,
            shared: false, hostSocketDirectory: directory, runnerIdleTTLSeconds: 60)
        let id = try await docker.createContainer(name: "pylambda-orphan-\(getpid())", spec.createRequest)
        try await docker.startContainer(id)

        let dispatcher = try await Dispatcher(configuration: TestEnvironment.configuration())
        let gone = await TestEnvironment.eventually {
            (try? await docker.inspectContainer(id)) == nil
        }
        #expect(gone, "the orphan is removed when a dispatcher starts")
        await dispatcher.shutdown()
        try? await docker.removeContainer(id)
        try await docker.shutdown()
    }

    // MARK: Docker errors

    @Test func dockerErrorsSayWhatToDo() async throws {
        await #expect {
            _ = try await DockerClient.connect(socketPath: "/nonexistent/docker.sock")
        } throws: { error in
            guard case DockerError.daemonUnreachable = error else { return false }
            return "\(error)".contains("systemctl start docker")
        }
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { try? await docker.shutdown() } }
        #expect(docker.apiVersion == "1.41" || DockerClient.compareVersions(docker.apiVersion, "1.41") < 0)
        await #expect {
            _ = try await Dispatcher(configuration: TestEnvironment.configuration { $0.image = "pylambda-no-such-image:nope" })
        } throws: { error in
            "\(error)".contains("pylambda image build")
        }
        let directory = DispatcherConfiguration.defaultStateDirectory + "/conflict-\(getpid())"
        _ = SmallFile.makeDirectory(directory, mode: 0o777)
        defer { SmallFile.removeDirectory(directory) }
        let spec = ContainerSpec(
            image: TestEnvironment.image, function: FunctionConfiguration(), codeHash: nil,
            owner: DispatcherIdentity.current().description, shared: false, hostSocketDirectory: directory,
            runnerIdleTTLSeconds: 5)
        let name = "pylambda-conflict-\(getpid())"
        let id = try await docker.createContainer(name: name, spec.createRequest)
        await #expect {
            _ = try await docker.createContainer(name: name, spec.createRequest)
        } throws: { error in
            guard case DockerError.nameConflict = error else { return false }
            return true
        }
        try await docker.removeContainer(id)
        await #expect(throws: DockerError.noSuchContainer(id: id)) { try await docker.inspectContainer(id) }
    }

    // MARK: Last: nothing left behind

    @Test func noContainerOfThisTestRunIsLeft() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let left = try await TestEnvironment.eventually {
            try await TestEnvironment.containersOfThisProcess(docker).isEmpty
        }
        #expect(left, "managed containers of this test run were left behind")
        try await docker.shutdown()
    }
}

extension DockerBackedTests {
    @Test func sixteenConcurrentCallersAllGetAnswers() async throws {
        try await withDispatcher { dispatcher, _ in
            let code = Functions.whoAmI(sleep: 0.05, tag: "sixteen")
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<16 { group.addTask { try await dispatcher.run(code: code, json: "null") } }
                var all: [String] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            #expect(answers.count == 16)
            #expect(Set(answers).count <= dispatcher.configuration.maxContainersPerFunction)
            #expect(await dispatcher.runners().count <= dispatcher.configuration.maxContainersPerFunction)
        }
    }

    @Test func cancellingACallRemovesItsContainer() async throws {
        try await withDispatcher { dispatcher, docker in
            let code = "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n"
            _ = try await dispatcher.run(code: code, json: "0")
            let call = Task { try await dispatcher.run(code: code, json: "30") }
            try await Task.sleep(for: .milliseconds(300))
            call.cancel()
            let outcome = await call.result
            #expect(throws: (any Error).self) { try outcome.get() }
            let gone = try await TestEnvironment.eventually {
                try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty
            }
            #expect(gone, "a cancelled call's runner may still be running the function: it is not reused")
            let answer = try await dispatcher.run(code: code, json: "0")
            #expect(answer == "0")
        }
    }
}
