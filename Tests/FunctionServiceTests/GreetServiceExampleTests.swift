import Crypto
import Foundation
import Testing

/// examples/greet-service, the proof of concept's `/greet` app on the Dispatcher library, as its README
/// runs it: a real process, real HTTP, a real container; SIGTERM removes the container.
extension ServiceAPITests {
    @Test func theGreetServiceExampleAnswersThroughAContainerAndCleansUp() async throws {
        let binary = try ServeProcess.cli().deletingLastPathComponent().appendingPathComponent("GreetService")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = try Data(contentsOf: root.appendingPathComponent("examples/greet-service/greet.py"))
        let codeHash = SHA256.hash(data: source).map { String(format: "%02x", $0) }.joined()
        let port = try ServeProcess.freePort()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", String(port)]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var answer: ServiceHTTP.Answer?
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, process.isRunning {
            if let up = try? await ServiceHTTP.shared.request(.GET, "http://127.0.0.1:\(port)/healthz"), up.status == 200 {
                answer = try await ServiceHTTP.shared.request(.GET, "http://127.0.0.1:\(port)/greet?name=Ada")
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let greeting = try #require(answer, "the example did not come up")
        #expect(greeting.status == 200, "\(greeting.text)")
        #expect(greeting.object["greeting"] as? String == "Hello, Ada!", "\(greeting.text)")
        #expect(try docker(["ps", "-q", "--filter", "label=pylambda.code-hash=\(codeHash)"]).count == 1, "one warm container")

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try docker(["ps", "-aq", "--filter", "label=pylambda.code-hash=\(codeHash)"]).isEmpty, "SIGTERM removed its container")
    }

    private func docker(_ arguments: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
