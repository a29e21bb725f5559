import Foundation
import Testing

/// The `docker` CLI, for tests that start the runner image the way a user would.
enum Docker {
    static let image = ProcessInfo.processInfo.environment["RUNNER_IMAGE"] ?? "pylambda-runner:latest"

    /// `make test` sets this: there, a missing daemon or image fails the suite instead of skipping it.
    static let isRequired = ProcessInfo.processInfo.environment["PYLAMBDA_REQUIRE_DOCKER"] == "1"

    static let isAvailable: Bool = (try? run(["image", "inspect", image]).status == 0) ?? false

    /// Whether the image suites run: always under `make test`; elsewhere only with a daemon and the image.
    static let shouldRun: Bool = {
        if isRequired || isAvailable { return true }
        print("⚠️  SKIPPING the runner image tests: no Docker daemon or no \(image). Run `make test`, which starts dockerd and builds the image.")
        return false
    }()

    struct Result {
        var status: Int32
        var output: String
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs a docker command that must succeed; its output, trimmed.
    @discardableResult
    static func must(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            Issue.record("docker \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)", sourceLocation: sourceLocation)
            throw DockerError.failed(result.output)
        }
        return result.output
    }

    enum DockerError: Error { case failed(String) }
}

/// One runner container, removed when the test is done with it.
struct RunnerContainer {
    let id: String

    static func start(_ arguments: [String], command: [String] = []) throws -> RunnerContainer {
        let id = try Docker.must(["run", "-d", "--label", "pylambda.test=runner-image"] + arguments + [Docker.image] + command)
        return RunnerContainer(id: id)
    }

    func remove() {
        _ = try? Docker.run(["rm", "-f", id])
    }

    var isRunning: Bool { (try? Docker.run(["inspect", "-f", "{{.State.Running}}", id]).output) == "true" }

    var exitCode: Int? { (try? Docker.run(["inspect", "-f", "{{.State.ExitCode}}", id]).output).flatMap { Int($0) } }

    var logs: String { (try? Docker.run(["logs", id]).output) ?? "" }

    /// Waits (bounded) for the container to stop by itself; its exit code.
    func waitForExit(within seconds: Double) async throws -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !isRunning { return exitCode }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}
