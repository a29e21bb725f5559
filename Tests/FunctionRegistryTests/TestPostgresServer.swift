import Foundation
import Testing

/// The PostgreSQL server of the registry tests.
///
/// `make test` runs the tests inside `scripts/postgres-test-server.sh run`, which sets
/// `PYLAMBDA_TEST_POSTGRES_URL`, and stops and removes the server afterwards whatever happens. Run
/// alone (`swift test`), the suite starts its own server with the same script in a temporary directory
/// and stops and removes it when the suite ends, failed or not.
struct TestPostgresServer: SuiteTrait, TestScoping {
    @TaskLocal static var url: String?

    static var script: String {
        URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "scripts/postgres-test-server.sh").path
    }

    /// `PYLAMBDA_REQUIRE_POSTGRES=1` (as `make test` sets) makes a missing server a failure, not a skip.
    static var required: Bool { ProcessInfo.processInfo.environment["PYLAMBDA_REQUIRE_POSTGRES"] == "1" }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        if let url = ProcessInfo.processInfo.environment["PYLAMBDA_TEST_POSTGRES_URL"], !url.isEmpty {
            try await Self.$url.withValue(url, operation: function)
            return
        }
        let directory = "/tmp/pylambda-test-postgres.swift-\(getpid())"
        let url: String
        do {
            url = try Self.runScript("start", directory)
        } catch {
            print("PostgreSQL test server: \(error)")
            try await function()
            return
        }
        do {
            try await Self.$url.withValue(url, operation: function)
        } catch {
            _ = try? Self.runScript("stop", directory)
            throw error
        }
        _ = try? Self.runScript("stop", directory)
    }

    /// Runs the script through `system()`: Foundation's `Process.waitUntilExit` was seen to hang here
    /// once the script had exited (the server it starts keeps running in the background).
    @discardableResult
    static func runScript(_ arguments: String...) throws -> String {
        let output = FileManager.default.temporaryDirectory.appending(path: "pylambda-pg-script-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: output + ".out")
            try? FileManager.default.removeItem(atPath: output + ".err")
        }
        let command = ([script] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let status = system("/bin/bash \(command) </dev/null >'\(output).out' 2>'\(output).err'")
        let text = (try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? ""
        let errorText = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ScriptFailure(message: "\(script) \(arguments.joined(separator: " ")) failed (status \(status)): \(errorText)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct ScriptFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension SuiteTrait where Self == TestPostgresServer {
    static var postgresServer: Self { TestPostgresServer() }
}
