import Foundation
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
                try? await client.shutdown()
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

    /// Managed containers whose owner label names this test process (any dispatcher in it).
    static func containersOfThisProcess(_ docker: DockerClient) async throws -> [ContainerSummary] {
        let pid = getpid()
        return try await docker.listContainers(labels: ["\(ContainerLabel.managed)=true"]).filter {
            DispatcherIdentity(label: $0.Labels?[ContainerLabel.owner] ?? "")?.pid == pid
        }
    }

    static func containerIDs(_ docker: DockerClient, owner: DispatcherIdentity) async throws -> Set<String> {
        Set(try await docker.listContainers(labels: ["\(ContainerLabel.owner)=\(owner)"]).map(\.Id))
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
}

struct CallCounter: Decodable, Equatable {
    var calls: Int
}
