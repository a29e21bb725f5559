import ArgumentParser
import Dispatcher

struct GcCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove every container pylambda manages (label pylambda.managed=true).",
        discussion: """
            Warm containers are removed by their idle TTL anyway; this is for starting clean. Containers of a dispatcher that is running right now are removed too, and its calls in flight fail.
            """
    )

    @Flag(name: .long, help: "Only list what would be removed.")
    var dryRun = false

    func run() async throws {
        let docker = try await DockerConnection.open()
        let containers = try await DockerConnection.managedContainers(docker)
        var failed = 0
        for container in containers {
            if dryRun {
                print("would remove \(container.name) (\(container.State))")
                continue
            }
            do {
                try await docker.removeContainer(container.Id)
                if let directory = container.Labels?[ContainerLabel.socketDirectory] {
                    Dispatcher.removeSocketDirectory(directory)
                }
                print("removed \(container.name)")
            } catch {
                failed += 1
                StandardError.print("error: could not remove \(container.name): \(error)")
            }
        }
        // Directories of containers that removed themselves (a shared runner's idle TTL), unless a
        // running dispatcher holds them; only when the daemon could say which containers remain.
        var staleDirectories = 0
        if !dryRun, let remaining = try? await docker.listContainers(labels: ["\(ContainerLabel.managed)=true"]) {
            let inUse = Set(remaining.compactMap { $0.Labels?[ContainerLabel.socketDirectory] })
            for directory in Dispatcher.removeStaleSocketDirectories(
                in: DispatcherConfiguration.defaultStateDirectory, keeping: inUse)
            {
                staleDirectories += 1
                print("removed stale socket directory \(directory)")
            }
        }
        try? await docker.shutdown()
        if containers.isEmpty && staleDirectories == 0 { StandardError.print("nothing to remove") }
        if failed > 0 { throw ExitCode(3) }
    }
}
