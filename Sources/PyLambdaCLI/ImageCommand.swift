import ArgumentParser
import Dispatcher
import DockerEngine

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage the runner image.",
        subcommands: [ImageBuildCommand.self]
    )
}

struct ImageBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the runner image from the repository's Dockerfile through the Docker Engine API.",
        discussion: """
            Run it from the repository root (or pass --context). Build output streams as it happens.

            The default target compiles swift-runner inside the build, which needs the base images debian:bookworm-slim and swift:6.3-bookworm from a registry. Without registry access, run `make image` instead: it makes a local base image and builds the binary on the host. Once that base and runner-image/bin/swift-runner exist, this command can rebuild offline:
              pylambda image build --target runtime-prebuilt \\
                --build-arg BASE_IMAGE=pylambda-base:bookworm
            """
    )

    @Option(name: .long, help: "Build context directory (its .dockerignore is honored).")
    var context = "."

    @Option(name: [.customShort("f"), .long], help: "Dockerfile path, relative to the context.")
    var file = "Dockerfile"

    @Option(name: [.customShort("t"), .long], help: "Tag of the built image.")
    var tag = DispatcherConfiguration.defaultImage

    @Option(name: .long, help: "Dockerfile stage to build.")
    var target: String?

    @Option(name: .long, help: ArgumentHelp("Build argument (repeatable).", valueName: "KEY=VALUE"))
    var buildArg: [String] = []

    @Flag(name: .long, help: "Print only errors and the result.")
    var quiet = false

    func run() async throws {
        try await DockerConnection.withDocker { docker in try await build(with: docker) }
    }

    private func build(with docker: DockerClient) async throws {
        let archive: [UInt8]
        do {
            archive = try BuildContext.archive(directory: context)
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(2)
        }
        var arguments: [String: String] = [:]
        for pair in buildArg {
            guard let argument = KeyValueArgument(pair) else {
                throw ValidationError("--build-arg takes KEY=VALUE, got \(pair)")
            }
            arguments[argument.key] = argument.value
        }
        StandardError.print("sending build context (\(archive.count >> 10) KiB) to the daemon")
        let quiet = self.quiet
        do {
            let id = try await docker.buildImage(
                context: archive, tag: tag, dockerfile: file, target: target, buildArguments: arguments
            ) { line in
                guard !quiet else { return }
                for text in line.split(separator: "\n") where !text.allSatisfy(\.isWhitespace) {
                    StandardError.print(String(text))
                }
            }
            print("built \(tag)\(id.map { " (\($0))" } ?? "")")
        } catch {
            StandardError.print("error: \(error)")
            if case .buildFailed(let message) = error, Self.isPullFailure(message) {
                StandardError.print("""
                    hint: a base image could not be pulled (no registry access?). Build the image offline with
                      make image
                    which creates a local base (pylambda-base:bookworm) and a host-built swift-runner, or, once
                    those exist:
                      pylambda image build --target runtime-prebuilt --build-arg BASE_IMAGE=pylambda-base:bookworm
                    """)
            }
            throw ExitCode(1)
        }
    }

    static func isPullFailure(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return ["pull access denied", "manifest unknown", "not found", "no such host", "dial tcp", "lookup ",
            "toomanyrequests", "failed to resolve", "i/o timeout", "network is unreachable", "connection refused"]
            .contains { lowered.contains($0) }
    }
}
