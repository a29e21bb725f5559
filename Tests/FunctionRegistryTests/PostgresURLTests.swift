import Testing

@testable import FunctionRegistry

@Suite struct PostgresURLTests {
    @Test func tcpWithEverything() throws {
        let url = try PostgresURL("postgresql://us%40er:p%3Ass@db.example:6543/reg%20istry?sslmode=verify-full")
        #expect(url.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(url.username == "us@er")
        #expect(url.password == "p:ss")
        #expect(url.database == "reg istry")
        #expect(url.tlsMode == .verifyFull)
        #expect(url.redacted == "postgres://us@er@db.example:6543/reg istry")
        #expect(!url.redacted.contains("p:ss"))
    }

    @Test func defaults() throws {
        let url = try PostgresURL("postgres://alice@db")
        #expect(url.endpoint == .tcp(host: "db", port: 5432))
        #expect(url.database == "alice")
        #expect(url.password == nil)
        #expect(url.tlsMode == .prefer)
        #expect(try PostgresURL("postgres://bob@/").endpoint == .tcp(host: "localhost", port: 5432))
    }

    @Test func unixSockets() throws {
        #expect(try PostgresURL("postgres://u@/db?host=/run/postgresql").endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(try PostgresURL("postgres://u@%2Ftmp%2Fpg:5433/db").endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5433"))
        #expect(try PostgresURL("postgres:///db?host=/tmp/x&port=7&user=me").endpoint == .unixSocket(path: "/tmp/x/.s.PGSQL.7"))
    }

    @Test func ipv6() throws {
        #expect(try PostgresURL("postgres://u@[::1]:5433/db").endpoint == .tcp(host: "::1", port: 5433))
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres:/u@h/db", "postgres://u@h:0/db", "postgres://u@h:99999/db", "postgres://u@h:x/db",
        "postgres://u@h/db?sslmode=sometimes", "postgres://u@h/db?shema=x", "postgres://u@h/d%zzb", "postgres://u@[::1/db",
    ])
    func refused(text: String) {
        #expect(throws: RegistryError.self) { try PostgresURL(text) }
    }

    @Test func schemaNames() throws {
        #expect(throws: Never.self) { try PostgresStoreConfiguration.validate(schema: "pylambda_2") }
        for bad in ["", "Upper", "1abc", "a-b", "a\"; DROP SCHEMA public; --", String(repeating: "a", count: 64)] {
            #expect(throws: RegistryError.self) { try PostgresStoreConfiguration.validate(schema: bad) }
        }
    }
}
