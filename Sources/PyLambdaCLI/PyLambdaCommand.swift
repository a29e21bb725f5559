import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

@main
struct PyLambdaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pylambda",
        abstract: "Run Python functions (`def entrypoint(data): ...`) in warm, hardened Docker containers.",
        discussion: """
            A function file defines `entrypoint(data)`: it receives the JSON input as Python values and returns something JSON can encode. Containers are keyed by the SHA-256 of the source, kept warm between calls and between `pylambda` processes, and removed after 5 idle minutes.

            Quick start:
              pylambda doctor           # Docker ready? image there?
              make image                # or: pylambda image build
              pylambda run examples/fibonacci.py --data '{"n": 10}'
              echo 'def entrypoint(d): return d' | pylambda run - --data '[1]'
              pylambda ps               # what is warm
              pylambda gc               # remove it all
            """,
        subcommands: [
            RunCommand.self, ServeCommand.self, DeployCommand.self, InvokeCommand.self, FunctionsCommand.self,
            InvocationsCommand.self, KeysCommand.self, PsCommand.self, GcCommand.self, ImageCommand.self,
            DepsCommand.self, DoctorCommand.self, BenchCommand.self,
        ]
    )
}

extension PyLambdaCommand {
    /// `pylambda run` in its plain forms is read by `RunArguments.scan`, without ArgumentParser;
    /// anything the scan declines (help, an unknown or repeated option, a value that does not convert
    /// or validate, any other subcommand) goes through ArgumentParser's whole command tree, which
    /// accepts it the same way or prints its usual message.
    ///
    /// Why: a warm `pylambda run` is a whole process around a call of well under a millisecond, and
    /// ArgumentParser's parse is a quarter of its CPU time (see `RunArguments.scan`).
    static func main() async {
        atexit(flushStandardOutputAtExit)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == RunCommand.configuration.commandName, let run = RunArguments.scan(Array(arguments.dropFirst())) {
            do {
                try await RunCommand.run(run)
            } catch {
                exit(withError: error)
            }
            return
        }
        await main(nil)
    }
}
