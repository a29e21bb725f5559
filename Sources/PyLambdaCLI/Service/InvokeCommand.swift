import ArgumentParser
import ServiceProtocol

struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Call a function deployed on a running `pylambda serve`.",
        discussion: """
            The result goes to stdout as JSON; errors to stderr, with the exit codes of `pylambda run` (1 the function raised, 3 setup, 4 bad input, 5 too many calls, 124 timed out, 137 out of memory or the runner died). With --async the call is queued and its invocation id printed: `pylambda invocations NAME` shows how it went.
            """
    )

    @Argument(help: "The function's name.")
    var name: String

    @Option(name: .long, help: ArgumentHelp("Input as JSON text (default: {}).", valueName: "JSON"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Read the input JSON from a file (- for stdin).", valueName: "F"))
    var dataFile: String?

    @Flag(name: .long, help: "Queue the call and print its invocation id.")
    var async = false

    @Option(name: .long, help: "Call this version instead of the latest.")
    var version: Int?

    @Flag(name: .long, help: "Also print the last 4 KiB of the function's output (to stderr).")
    var logTail = false

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        try ServiceOptions.requireNonEmpty(name, "NAME")
        if data != nil && dataFile != nil { throw ValidationError("Give --data or --data-file, not both.") }
    }

    func run() async throws {
        try service.check()
        let input: String
        do {
            input = try data ?? dataFile.map { try InputFile.read($0, limit: InputFile.maxDataBytes) } ?? "{}"
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(4)
        }
        var query: [(String, String)] = []
        if async { query.append((InvokeQuery.mode, InvokeQuery.asyncMode)) }
        if let version { query.append((InvokeQuery.version, String(version))) }
        let headers = logTail ? [(ServiceHeader.logTail, "true")] : []
        try await service.withClient { client in
            let answer = try await client.send(.POST, ServicePath.invoke(name), query: query, body: Array(input.utf8), headers: headers, timeout: ServiceClient.longAnswerTimeout)
            if let tail = answer.logTail, !tail.isEmpty { StandardError.print("--- log tail ---\n\(tail)") }
            guard (200..<300).contains(answer.status) else {
                if let traceback = answer.error?.error.traceback, !traceback.isEmpty {
                    StandardError.print(traceback.joined(separator: traceback.first?.hasSuffix("\n") == true ? "" : "\n"))
                }
                throw ServiceClientError.answered(answer)
            }
            // Every answer of serve's invoke carries its id: without one, this is some other server.
            guard answer.invocationID != nil else {
                throw ServiceClientError.unreadable("\(client.server) answered without \(ServiceHeader.invocationID): it is not a pylambda serve")
            }
            if async {
                let accepted = try client.decode(AsyncInvocationAccepted.self, answer)
                print(accepted.invocationID)
            } else {
                print(String(decoding: answer.body, as: UTF8.self))
            }
        }
    }
}
