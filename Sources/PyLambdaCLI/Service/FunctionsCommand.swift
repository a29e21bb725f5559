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
