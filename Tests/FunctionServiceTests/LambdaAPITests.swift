import Foundation
import Testing

/// The Lambda-compatible API, with the real clients: boto3 and the AWS CLI (from PyPI), run as Python
/// scripts (`Tests/LambdaClients/lambda_checks.py`) against a live `pylambda serve`.
extension ServiceAPITests {
    static let lambdaChecks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LambdaClients/lambda_checks.py").path

    /// Runs one check of the script with an admin AWS key (and an invoke-only one for `auth-fn`).
    func runLambdaCheck(_ check: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await withServe { serve in
            let admin = try await serve.call(.POST, "/v1/keys", body: #"{"name": "boto", "scope": "admin", "aws": true}"#).object
            let invoker = try await serve.call(.POST, "/v1/keys", body: #"{"name": "invoker", "scope": "invoke", "function": "auth-fn", "aws": true}"#).object
            let id = try #require(admin["access_key_id"] as? String)
            let secret = try #require(admin["secret_access_key"] as? String)
            var environment = ProcessInfo.processInfo.environment
            environment["PYLAMBDA_ENDPOINT"] = serve.url
            environment["PYLAMBDA_NATIVE_KEY"] = serve.adminKey
            environment["AWS_ACCESS_KEY_ID"] = id
            environment["AWS_SECRET_ACCESS_KEY"] = secret
            environment["PYLAMBDA_INVOKE_ACCESS_KEY_ID"] = invoker["access_key_id"] as? String ?? ""
            environment["PYLAMBDA_INVOKE_SECRET"] = invoker["secret_access_key"] as? String ?? ""
            for name in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] { environment[name] = nil }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Self.lambdaChecks, check]
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(process.terminationStatus == 0, "lambda_checks.py \(check):\n\(text)\n--- serve log ---\n\(serve.logText().suffix(3000))", sourceLocation: sourceLocation)
            #expect(text.contains("ok: \(check)"), sourceLocation: sourceLocation)
        }
    }

    /// create, invoke (RequestResponse, Event, DryRun, Tail, a function error, a timeout), get, list
    /// (paginated), update code and configuration, publish and invoke by qualifier, delete.
    @Test func boto3DrivesTheWholeFunctionLifecycle() async throws {
        try await runLambdaCheck("api")
    }

    @Test func theAWSCLIInvokesAndWritesTheResultFile() async throws {
        try await runLambdaCheck("cli")
    }

    @Test func signaturesAreVerifiedAndKeysScoped() async throws {
        try await runLambdaCheck("auth")
    }

    @Test func functionsCrossBetweenTheNativeAndTheLambdaAPI() async throws {
        try await runLambdaCheck("cross")
    }

    /// The README's "Use it as a local AWS Lambda" snippets, run as written.
    @Test func theREADMEsBoto3SnippetAndAWSCLILineWorkAsWritten() async throws {
        try await runLambdaCheck("readme")
    }
}
