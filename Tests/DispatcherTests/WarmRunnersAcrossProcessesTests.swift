import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// Runners left warm (`keepWarmAfterShutdown`, what `pylambda run` does) serve the next process, and
/// go away by themselves when nobody uses them.
extension DockerTests {
    @Test func warmRunnersAreSharedWithTheNextDispatcher() async throws {
        let code = Functions.counter("shared-\(UInt32.random(in: 0...UInt32.max))")
        let shared = TestEnvironment.configuration { $0.keepWarmAfterShutdown = true }
        let first = try await Dispatcher.withDispatcher(configuration: shared) {
            try await $0.invoke(code: code, input: [Int](), as: CallCounter.self)
        }
        // A new dispatcher stands for the next `pylambda run` process: it adopts the warm runner.
        let second = try await Dispatcher.withDispatcher(configuration: shared) {
            try await $0.invoke(code: code, input: [Int](), as: CallCounter.self)
        }
        #expect(first.calls == 1)
        #expect(second.calls == 2)
        // A dispatcher that does not keep things warm adopts it too, and removes it when done.
        guard let docker = await TestEnvironment.docker() else { return }
        let third = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) {
            try await $0.invoke(code: code, input: [Int](), as: CallCounter.self)
        }
        #expect(third.calls == 3)
        let left = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        #expect(left.isEmpty)
        await docker.shutdown()
    }

    @Test func theCLIReusesItsRunnerAcrossProcesses() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("counter-\(getpid()).py")
        let code = Functions.counter("cli-\(UInt32.random(in: 0...UInt32.max))")
        try code.write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }
        let arguments = ["run", source.path, "--data", "{}", "--image", TestEnvironment.image, "--idle-ttl", "30"]
        #expect(try TestEnvironment.runCLI(arguments).output == #"{"calls":1}"#)
        #expect(try TestEnvironment.runCLI(arguments).output == #"{"calls":2}"#, "the second process reuses the warm runner")
        let containers = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        #expect(containers.count == 1)
        #expect(containers.first?.labels[ContainerLabel.idleTTL] == "30", "the runner's own TTL removes it later")
        try await TestEnvironment.removeRunners(docker, codeHash: Functions.sha256(code))
        #expect(try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code)).isEmpty)
        await docker.shutdown()
    }

    /// A `pylambda run` killed in the middle of a call (`kill -9`: no signal handler runs) leaves its
    /// runner running that call. The next run must not take it over, where its call would wait
    /// behind one nobody reads and fail with a timeout of its own: it starts a runner of its own, and
    /// its sweep removes the one left in the call.
    @Test func aRunnerLeftInACallIsNotTakenOverAndIsRemoved() async throws {
        guard let docker = await TestEnvironment.docker(), let cli = TestEnvironment.cli() else { return }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("left-in-call-\(getpid()).py")
        let code = "# left in a call \(UInt32.random(in: 0...UInt32.max))\nimport time\n\ndef entrypoint(seconds):\n    time.sleep(seconds)\n    return seconds\n"
        try code.write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }
        let common = ["--image", TestEnvironment.image, "--idle-ttl", "120", "--timeout", "300"]
        #expect(try TestEnvironment.runCLI(["run", source.path, "--data", "0"] + common).output == "0", "a warm runner to start from")
        let warm = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        #expect(warm.count == 1)

        let long = Process()
        long.executableURL = cli
        long.arguments = ["run", source.path, "--data", "120"] + common
        long.standardOutput = FileHandle.nullDevice
        long.standardError = FileHandle.nullDevice
        try long.run()
        // Until its call is under way in the warm runner: the runner's lock file says so.
        let state = try StateDirectory.open(path: DispatcherConfiguration().stateDirectory)
        let name = try #require(warm.first?.name)
        let inCall = await TestEnvironment.eventually(timeout: .seconds(20)) { state.runnerDirectory(named: name)?.wasLeftInCall == true }
        #expect(inCall, "the call never started in the warm runner")
        kill(long.processIdentifier, SIGKILL)
        long.waitUntilExit()

        // Its own timeout (the same runner key: a timeout is not part of it) would run out behind the
        // orphaned call: a 124 here is the runner taken over.
        let next = try TestEnvironment.runCLI(["run", source.path, "--data", "1"] + common + ["--timeout", "10"])
        #expect(next.status == 0 && next.output == "1", "\(next.status): \(next.errors)")
        let left = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        #expect(!left.map(\.name).contains(name), "the runner left in the call is still there")
        #expect(state.runnerDirectory(named: name) == nil)
        try await TestEnvironment.removeRunners(docker, codeHash: Functions.sha256(code))
        await docker.shutdown()
    }

    @Test func leftWarmRunnersExpireByThemselvesAndTheirDirectoriesAreSweptUp() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let code = Functions.whoAmI(tag: "self-expiry-\(UInt32.random(in: 0...UInt32.max))")
        let configuration = TestEnvironment.configuration {
            $0.keepWarmAfterShutdown = true
            $0.idleTTL = .seconds(2)
        }
        _ = try await Dispatcher.withDispatcher(configuration: configuration) { try await $0.invoke(code: code, json: "null") }
        let left = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        #expect(left.map(\.state) == ["running"], "left warm for the next process")
        let name = try #require(left.first?.name)
        let state = try StateDirectory.open(path: configuration.stateDirectory)
        #expect(state.runnerDirectory(named: name) != nil)
        // Nobody owns it now; the runner's RUNNER_IDLE_TTL makes it exit, and it removes itself:
        // nothing stays in `docker ps -a`, with no dispatcher around.
        let gone = try await TestEnvironment.eventually(timeout: .seconds(12)) {
            try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code)).isEmpty
        }
        #expect(gone)
        // Its directory is removed by the next dispatcher's sweep.
        try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { _ in
            let swept = await TestEnvironment.eventually { state.runnerDirectory(named: name) == nil }
            #expect(swept, "the directory of a runner that is gone stays")
        }
        await docker.shutdown()
    }

    @Test func whatAnExitedCLIProcessLeftWarmIsGoneAfterItsIdleTTL() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("expiry-\(getpid()).py")
        let code = Functions.counter("cli-expiry-\(UInt32.random(in: 0...UInt32.max))")
        try code.write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }
        let run = try TestEnvironment.runCLI(["run", source.path, "--data", "{}", "--image", TestEnvironment.image, "--idle-ttl", "2"])
        #expect(run.status == 0, "\(run.errors)")
        let left = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        #expect(left.map(\.state) == ["running"], "the exited process left its runner warm")
        #expect(left.first?.labels[ContainerLabel.lifetime] == "shared")
        let gone = try await TestEnvironment.eventually(timeout: .seconds(12)) {
            try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code)).isEmpty
        }
        #expect(gone, "after its RUNNER_IDLE_TTL of 2 s the container is gone from `docker ps -a`")
        for container in try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code)) {
            try? await docker.removeContainer(container.id)
        }
        await docker.shutdown()
    }
}
