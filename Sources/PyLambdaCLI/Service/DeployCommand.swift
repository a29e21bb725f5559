import ArgumentParser
import FunctionPackages
import ServiceProtocol

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a function (a file, a package directory or zip) to a running `pylambda serve` as a new version.",
        discussion: """
            Each deploy is a new immutable version (1, 2, 3, ...); new calls get the newest, calls in flight finish on theirs. A directory is zipped here; the service checks the package, installs its requirements.txt as wheels for the runner, and loads the code in a runner first: code that does not load is refused.
              pylambda deploy fib examples/fibonacci.py --timeout 5 --concurrency 2
              pylambda deploy stats examples/numpy-stats
            """
    )

    @Argument(help: "The function's name: 1 to 64 of a-z, 0-9, '_' and '-'.")
    var name: String

    @Argument(help: ArgumentHelp("A Python file that defines the handler (- for stdin), or a package directory or zip.", valueName: "FILE|DIR|ZIP|-"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("Memory limit in MiB.", valueName: "MB"))
    var memory: Int?

    @Option(name: .long, help: ArgumentHelp("Seconds a call may take.", valueName: "S"))
    var timeout: Double?

    @Option(name: .long, help: "Calls that may run at once (one container each); more wait in a bounded queue.")
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("An environment variable for the function (repeatable).", valueName: "K=V"))
    var env: [String] = []

    @Option(name: .long, help: "The function to call (default entrypoint, or main.entrypoint in a package); two parameters make it handler(event, context).")
    var handler: String?

    @Option(name: .long, help: ArgumentHelp("Requirements to install instead of the package's requirements.txt.", valueName: "FILE"))
    var requirements: String?

    @Option(name: .long, help: "runc or runsc (gVisor).")
    var runtime: String?

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        try ServiceOptions.requireNonEmpty(name, "NAME")
        if file == "-" && requirements == "-" { throw ValidationError("Only one of FILE and --requirements can be stdin.") }
        // The service checks the ranges; a NaN or an infinity could not even be sent as JSON.
        if let timeout, !timeout.isFinite { throw ValidationError("--timeout is a number of seconds, not \(timeout).") }
    }

    func run() async throws {
        // Usage first: a bad --env is refused before anything else, the server and key before any
        // file is read.
        let environment = try KeyValueArgument.environment(env)
        try service.check()
        var code: String?
        var zip: String?
        let requirementsText: String?
        do {
            requirementsText = try requirements.map { try InputFile.read($0, limit: InputFile.maxRequirementsBytes) }
            if file != "-", let package = try Self.package(at: file, handler: handler) {
                zip = Data(package.zip).base64EncodedString()
            } else {
                code = try InputFile.read(file, limit: InputFile.maxSourceBytes)
            }
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(2)
        }
        let request = DeployRequest(
            code: code, zip: zip, handler: handler, requirements: requirementsText, memoryMB: memory, timeoutSeconds: timeout, concurrency: concurrency,
            environment: environment.isEmpty ? nil : environment, runtime: runtime)
        let body = Array(try JSONEncoder().encode(request))
        try await service.withClient { client in
            let answer = try await client.send(.PUT, ServicePath.function(name), body: body, timeout: ServiceClient.longAnswerTimeout)
            let version = try client.decode(FunctionVersionBody.self, answer)
            print(String(decoding: answer.body, as: UTF8.self))
            StandardError.print("\(answer.status == 201 ? "created" : "deployed") \(version.name) version \(version.version)")
        }
    }

    /// A directory or zip as the package the service will get (checked here first, so that a bad
    /// path fails before anything is sent); nil for a single source file. Which it is, is decided as
    /// `pylambda run` decides it: a zip by its name in any case or by its first bytes.
    static func package(at path: String, handler: String?) throws -> FunctionPackage? {
        guard let kind = try? FunctionPackage.kind(of: path), kind != .singleFile else { return nil }
        return try FunctionPackage.load(path: path, handler: handler)
    }
}
