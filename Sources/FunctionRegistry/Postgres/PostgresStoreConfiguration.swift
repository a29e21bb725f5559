import Logging

/// Where and how `PostgresFunctionStore` keeps the registry.
public struct PostgresStoreConfiguration: Sendable {
    /// The server, user and database of the `--database` URL (see `init(url:)`), without the
    /// password: for messages and logs.
    public var redactedURL: String { parsedURL.redacted }
    /// The PostgreSQL schema holding the registry's tables, created by the first migration. Several
    /// registries (or tests) can share one database under different schemas.
    public var schema = "pylambda"
    /// Connections to the server at most, per process.
    public var maximumConnections = 10
    /// How long opening one connection may take before it counts as failed.
    public var connectTimeout: Duration = .seconds(10)
    public var limits = RegistryLimits()
    public var logger = Logger(label: "pylambda.registry")

    let parsedURL: PostgresURL

    /// Reads a libpq-style URL: `postgres://user:password@host:port/database?sslmode=...`, or a Unix
    /// socket directory as `?host=/dir`. Throws `invalidInput` naming what is wrong.
    public init(url: String) throws(RegistryError) {
        parsedURL = try PostgresURL(url)
    }

    /// `[a-z_][a-z0-9_]{0,62}`: a schema name that needs no quoting and cannot smuggle SQL.
    static func validate(schema: String) throws(RegistryError) {
        let bytes = Array(schema.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 63
            && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0])
            && bytes.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "_")
            }
        guard valid else {
            throw .invalidInput("invalid PostgreSQL schema name \(String(reflecting: schema)): use 1 to 63 characters of a-z, 0-9 and '_', not starting with a digit")
        }
    }
}
