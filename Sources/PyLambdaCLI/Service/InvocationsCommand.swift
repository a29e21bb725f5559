import ArgumentParser
import ServiceProtocol

struct InvocationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invocations",
        abstract: "The latest invocations of a function on a running `pylambda serve`, or one by id.")

    @Argument(help: "A function's name, or an invocation id (with --id).")
    var target: String

    @Flag(name: .long, help: "TARGET is an invocation id: print its whole record as JSON (an id such as `pylambda invoke --async` prints is taken as one anyway).")
    var id = false

    /// The shape of the ids serve gives (8-4-4-4-12 hex digits), which no one names a function.
    static func isInvocationID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    @Option(name: .long, help: "How many (1 to 1000).")
    var limit = 20

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        try ServiceOptions.requireNonEmpty(target, "TARGET")
    }

    func run() async throws {
        try await service.withClient { client in
            if id || Self.isInvocationID(target) {
                let answer = try await client.send(.GET, ServicePath.invocation(target))
                _ = try client.decode(InvocationBody.self, answer)
                print(String(decoding: answer.body, as: UTF8.self))
                return
            }
            let answer = try await client.send(.GET, ServicePath.functionInvocations(target), query: [("limit", String(limit))])
            let list = try client.decode(InvocationList.self, answer)
            Table.print(
                [["ID", "VERSION", "MODE", "STATUS", "CREATED", "MS", "ERROR"]]
                    + list.invocations.map {
                        [$0.id, String($0.version), $0.mode, $0.status, $0.createdAt, $0.durationMS.map { String(Int($0.rounded())) } ?? "-",
                         $0.error.map { "\($0.type): \($0.message.prefix(60))" } ?? ""]
                    })
        }
    }
}
