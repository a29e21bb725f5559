import ArgumentParser
import ServiceProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the API keys of a running `pylambda serve` (needs an admin key).",
        subcommands: [KeysCreateCommand.self, KeysListCommand.self, KeysRevokeCommand.self])
}

struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a key and print its secret, once.",
        discussion: """
              pylambda keys create --name ci --scope invoke --function fib     # a bearer key for one function
              pylambda keys create --name boto --scope admin --aws             # an access key id and secret for boto3
            """)

    @Option(name: .long, help: "A name to manage it by.")
    var name: String

    @Option(name: .long, help: "admin (everything) or invoke (invoke and read invocations).")
    var scope: String

    @Option(name: .long, help: "Limit an invoke key to this function.")
    var function: String?

    @Flag(name: .long, help: "An AWS-style access key id and secret (SigV4), for the Lambda-compatible API.")
    var aws = false

    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let body = Array(try JSONEncoder().encode(CreateKeyRequest(name: name, scope: scope, function: function, aws: aws ? true : nil)))
        try await service.withClient { client in
            let key = try client.decode(KeyBody.self, try await client.send(.POST, ServicePath.keys, body: body))
            if let secret = key.key {
                print(secret)
            } else if let id = key.accessKeyID, let secret = key.secretAccessKey {
                print("aws_access_key_id = \(id)")
                print("aws_secret_access_key = \(secret)")
            }
            StandardError.print("created \(key.kind) key \(key.name) (\(key.scope)\(key.function.map { " of \($0)" } ?? "")); the secret is not shown again")
        }
    }
}

struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys (never their secrets).")

    @OptionGroup var service: ServiceOptions

    func run() async throws {
        try await service.withClient { client in
            let list = try client.decode(KeyList.self, try await client.send(.GET, ServicePath.keys))
            Table.print(
                [["NAME", "KIND", "SCOPE", "FUNCTION", "ACCESS KEY ID", "CREATED", "REVOKED"]]
                    + list.keys.map { [$0.name, $0.kind, $0.scope, $0.function ?? "-", $0.accessKeyID ?? "-", $0.createdAt, $0.revokedAt ?? "-"] })
        }
    }
}

struct KeysRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by name.")

    @Argument var name: String

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        try ServiceOptions.requireNonEmpty(name, "NAME")
    }

    func run() async throws {
        try await service.withClient { client in
            let answer = try await client.send(.DELETE, ServicePath.key(name))
            guard answer.status == 204 else { throw ServiceClientError.answered(answer) }
            StandardError.print("revoked \(name)")
        }
    }
}
