import ArgumentParser
import Dispatcher

/// Connects for a subcommand, printing the daemon error's advice and exiting 3 when it fails.
enum DockerConnection {
    static func open() async throws -> DockerClient {
        do {
            return try await DockerClient.connect()
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
    }

    static func managedContainers(_ docker: DockerClient) async throws -> [ContainerSummary] {
        do {
            return try await docker.listContainers(labels: ["\(ContainerLabel.managed)=true"])
        } catch {
            StandardError.print("error: \(error)")
            try? await docker.shutdown()
            throw ExitCode(3)
        }
    }
}
