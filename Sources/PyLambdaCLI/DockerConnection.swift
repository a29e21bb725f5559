import ArgumentParser
import Dispatcher
import DockerEngine

/// Connects for a subcommand, printing the daemon error's advice and exiting 3 when it fails, and
/// closes the connection when the subcommand is done with it.
enum DockerConnection {
    static func withDocker<T>(_ body: (DockerClient) async throws -> T) async throws -> T {
        let docker: DockerClient
        do {
            docker = try await DockerClient.connect()
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
        do {
            let result = try await body(docker)
            await docker.shutdown()
            return result
        } catch {
            await docker.shutdown()
            throw error
        }
    }

    /// The runners recorded in `stateDirectory`.
    static func withManagedRunners<T>(
        in stateDirectory: String, _ body: (ManagedRunners) async throws -> T
    ) async throws -> T {
        try await withDocker { docker in
            let runners: ManagedRunners
            do {
                runners = try ManagedRunners(stateDirectory: stateDirectory, docker: docker)
            } catch {
                StandardError.print("error: \(error)")
                throw ExitCode(3)
            }
            return try await body(runners)
        }
    }
}
