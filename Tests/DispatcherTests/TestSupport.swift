import DockerEngine
import Foundation
import Synchronization
import Testing

@testable import Dispatcher

/// Whether the real daemon and the runner image are here. Without them a test skips loudly, unless
/// `PYLAMBDA_REQUIRE_DOCKER=1` (as `make test` sets) makes that a failure.
enum TestEnvironment {
    static let image = ProcessInfo.processInfo.environment["PYLAMBDA_IMAGE"] ?? "pylambda-runner:latest"
    static var dockerRequired: Bool { ProcessInfo.processInfo.environment["PYLAMBDA_REQUIRE_DOCKER"] == "1" }

    /// A connected client, or nil after recording why (an issue when Docker is required).
    static func docker(sourceLocation: SourceLocation = #_sourceLocation) async -> DockerClient? {
        do {
            let client = try await DockerClient.connect()
            do {
                _ = try await client.inspectImage(image)
            } catch {
                await client.shutdown()
                throw error
            }
            return client
        } catch {
            let message = "Docker is not usable here (\(error)); the Docker tests need a running dockerd and the image \(image) (make image)"
            if dockerRequired {
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            } else {
                print("SKIPPED (set PYLAMBDA_REQUIRE_DOCKER=1 to fail instead): \(message)")
            }
            return nil
        }
    }

    /// Defaults for tests: no warm pool unless a test wants one, short TTLs, this process as owner.
    static func configuration(_ adjust: (inout DispatcherConfiguration) -> Void = { _ in }) -> DispatcherConfiguration {
        var configuration = DispatcherConfiguration()
        configuration.image = image
        configuration.warmPoolSize = 0
        configuration.idleTTL = .seconds(60)
        configuration.logger.logLevel = .warning
        adjust(&configuration)
        return configuration
    }

    static func containerIDs(_ docker: DockerClient, owner: DispatcherIdentity) async throws -> Set<String> {
        Set(try await docker.listContainers(labels: ["\(ContainerLabel.owner)=\(owner)"]).map(\.id))
    }

    static func containers(_ docker: DockerClient, codeHash: String) async throws -> [ContainerSummary] {
        try await docker.listContainers(labels: ["\(ContainerLabel.codeHash)=\(codeHash)"])
    }

    /// Removes the runners (containers and directories) of the default state directory that run `codeHash`.
    static func removeRunners(_ docker: DockerClient, codeHash: String) async throws {
        let runners = try ManagedRunners(docker: docker)
        for runner in try await runners.list() where runner.codeHash == codeHash {
            try await runners.remove(runner)
        }
    }

    /// Polls `condition` (every 50 ms) until true or `timeout` passes.
    static func eventually(
        timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// `pylambda` as `swift build --build-tests` leaves it next to the test bundle.
    static func cli() -> URL? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("pylambda").path) {
            directory = directory.deletingLastPathComponent()
        }
        let cli = directory.appendingPathComponent("pylambda")
        return FileManager.default.isExecutableFile(atPath: cli.path) ? cli : nil
    }

    /// The docker CLI's output (for what the Engine API client does not wrap, such as filtered events).
    static func dockerCLI(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the CLI; its exit status, stdout and stderr.
    static func runCLI(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], standardOutput: FileHandle? = nil
    ) throws -> (status: Int32, output: String, errors: String) {
        guard let cli = cli() else {
            Issue.record("pylambda is not built next to the tests (swift build --build-tests builds it)")
            return (-1, "", "")
        }
        let process = Process()
        process.executableURL = cli
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = standardOutput ?? output
        process.standardError = errors
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            try process.run()
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        if standardOutput != nil { try output.fileHandleForWriting.close() }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            String(decoding: err, as: UTF8.self)
        )
    }
}

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

/// Function sources used across tests.
enum Functions {
    static let echo = "def entrypoint(data):\n    return data\n"

    /// Module globals survive between calls in the same runner: the count tells reuse apart.
    static func counter(_ tag: String) -> String {
        """
        # \(tag)
        calls = 0
        def entrypoint(data):
            global calls
            calls += 1
            return {"calls": calls}
        """
    }

    /// The container's hostname is its short id: tells which container answered.
    static func whoAmI(sleep: Double = 0, tag: String = "") -> String {
        """
        # \(tag)
        import socket, time
        def entrypoint(data):
            time.sleep(\(sleep))
            return socket.gethostname()
        """
    }

    static func sha256(_ code: String) -> String {
        FunctionDefinition(source: code).codeHash
    }
}

/// A flag tasks can share.
final class Flag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

struct CallCounter: Decodable, Equatable {
    var calls: Int
}

/// Everything that needs the real daemon, in one serialized suite (files extend it by behaviour): the
/// tests count and remove containers, and two at once would see each other's.
@Suite(.serialized)
struct DockerTests {
    /// Runs `body` with a running dispatcher, then checks that shutting down left none of its
    /// containers.
    func withDispatcher(
        _ adjust: (inout DispatcherConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (Dispatcher, DockerClient) async throws -> Void
    ) async throws {
        guard let docker = await TestEnvironment.docker(sourceLocation: sourceLocation) else { return }
        let configuration = TestEnvironment.configuration(adjust)
        let owner = Mutex<DispatcherIdentity?>(nil)
        do {
            try await Dispatcher.withDispatcher(configuration: configuration) { dispatcher in
                owner.withLock { $0 = dispatcher.identity }
                try await body(dispatcher, docker)
            }
        } catch {
            await docker.shutdown()
            throw error
        }
        if !configuration.keepWarmAfterShutdown, let identity = owner.withLock({ $0 }) {
            let left = try await TestEnvironment.containerIDs(docker, owner: identity)
            #expect(left.isEmpty, "containers left after shutdown: \(left)", sourceLocation: sourceLocation)
        }
        await docker.shutdown()
    }
}
