import ArgumentParser
import Dispatcher

struct GcCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove every runner pylambda manages, with its container and directories.",
        discussion: """
            Warm runners are removed by their idle TTL anyway; this is for starting clean. Runners of a dispatcher that is running right now are removed too, and its calls in flight fail. Only runners recorded in the state directory are touched; containers that merely carry pylambda's labels are left alone unless --foreign is given, and even then only the containers are removed, never a path.
            """
    )

    @OptionGroup var state: StateDirectoryOption

    @Flag(name: .long, help: "Only list what would be removed.")
    var dryRun = false

    @Flag(name: .long, help: "Also remove containers labelled pylambda.managed=true that no record here names.")
    var foreign = false

    @Option(
        name: .customLong("label"),
        help: "With --foreign, only the containers that also carry this label (KEY=VALUE); repeatable. Labels only narrow what --foreign removes.")
    var labels: [String] = []

    func validate() throws {
        if !labels.isEmpty && !foreign { throw ValidationError("--label narrows --foreign; give --foreign too") }
        for label in labels where KeyValueArgument(label) == nil {
            throw ValidationError("--label takes KEY=VALUE, not \(String(reflecting: label))")
        }
    }

    /// The `--label` filters (all of them: `validate()` refused any that is not KEY=VALUE).
    private var labelFilters: [KeyValueArgument] { labels.compactMap { KeyValueArgument($0) } }

    func run() async throws {
        try await DockerConnection.withManagedRunners(in: state.path) { runners in try await run(with: runners) }
    }

    private func run(with runners: ManagedRunners) async throws {
        var failed = 0
        var removed = 0
        do {
            for runner in try await runners.list() {
                if dryRun {
                    print("would remove \(runner.name) (\(runner.state))")
                    continue
                }
                do {
                    try await runners.remove(runner)
                    removed += 1
                    print("removed \(runner.name)")
                } catch {
                    failed += 1
                    StandardError.print("error: could not remove \(runner.name): \(error)")
                }
            }
            if foreign {
                let filters = labelFilters
                let chosen = try await runners.foreignContainers().filter { container in
                    filters.allSatisfy { container.labels[$0.key] == $0.value }
                }
                for container in chosen {
                    if dryRun {
                        print("would remove foreign container \(container.name) (\(container.state))")
                        continue
                    }
                    do {
                        try await runners.removeForeign(container)
                        removed += 1
                        print("removed foreign container \(container.name)")
                    } catch {
                        failed += 1
                        StandardError.print("error: could not remove \(container.name): \(error)")
                    }
                }
            }
            if !dryRun { removed += try await runners.removeStaleDirectories().count }
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
        if removed == 0 && !dryRun { StandardError.print("nothing to remove") }
        if failed > 0 { throw ExitCode(3) }
    }
}
