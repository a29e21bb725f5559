import ArgumentParser
import ServiceProtocol

struct FunctionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "functions",
        abstract: "List the functions of a running `pylambda serve`, or show one with its versions.")

    @Argument(help: "Show this function: its latest version, its versions and its invocation counts.")
    var name: String?

    @Flag(name: .long, help: "Print the service's JSON.")
    var json = false

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        try ServiceOptions.requireNonEmpty(name, "NAME")
    }

    func run() async throws {
        try await service.withClient { client in
            if let name {
                let answer = try await client.send(.GET, ServicePath.function(name))
                let function = try client.decode(FunctionBody.self, answer)
                let versions = try client.decode(VersionList.self, try await client.send(.GET, ServicePath.versions(name)))
                if json {
                    print(String(decoding: answer.body, as: UTF8.self))
                    return
                }
                print("\(function.name): latest version \(function.latest.version), created \(function.createdAt)")
                let counts = (function.invocations ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                print("invocations: \(counts.isEmpty ? "none" : counts.joined(separator: ", "))")
                Table.print(
                    [["VERSION", "CODE", "HANDLER", "MEMORY", "TIMEOUT", "CONCURRENCY", "RUNTIME", "CREATED"]]
                        + versions.versions.map {
                            [String($0.version), String($0.codeSHA256.prefix(12)), $0.handler, "\($0.memoryMB) MiB", "\($0.timeoutSeconds) s",
                             String($0.concurrency), $0.runtime, $0.createdAt]
                        })
                return
            }
            var rows = [["NAME", "VERSION", "CODE", "MEMORY", "TIMEOUT", "CONCURRENCY", "CREATED"]]
            var marker: String?
            repeat {
                let query = marker.map { [("marker", $0)] } ?? []
                let answer = try await client.send(.GET, ServicePath.functions, query: query)
                let page = try client.decode(FunctionList.self, answer)
                if json { print(String(decoding: answer.body, as: UTF8.self)) }
                rows += page.functions.map {
                    [$0.name, String($0.latest.version), String($0.latest.codeSHA256.prefix(12)), "\($0.latest.memoryMB) MiB",
                     "\($0.latest.timeoutSeconds) s", String($0.latest.concurrency), $0.createdAt]
                }
                marker = page.nextMarker
            } while marker != nil
            if json { return }
            if rows.count == 1 { print("no functions; deploy one with `pylambda deploy NAME FILE`") } else { Table.print(rows) }
        }
    }
}

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

/// Columns padded to their widest cell.
enum Table {
    static func print(_ rows: [[String]]) {
        guard let header = rows.first else { return }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            Swift.print(row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }.joined())
        }
    }
}
