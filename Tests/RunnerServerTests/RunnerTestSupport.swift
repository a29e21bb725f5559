import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RunnerProtocol
import RunnerServer
import Testing

/// Every protocol test runs twice: in-process through the router, and over a live socket, with the
/// same test code (HummingbirdTesting's two setups).
let setups: [TestingSetup] = [.router, .live]

func makeRunner(_ configure: (inout RunnerConfiguration) -> Void = { _ in }) -> Runner {
    var configuration = RunnerConfiguration()
    configuration.address = .tcp(host: "127.0.0.1", port: 0)
    configuration.idleTTL = nil
    configure(&configuration)
    return Runner(configuration: configuration, logger: Logger(label: "test"))
}

extension TestClientProtocol {
    @discardableResult
    func post(_ path: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }

    func load(_ code: String) async throws -> TestResponse {
        try await post(RunnerPath.load, String(data: try JSONEncoder().encode(LoadRequest(code: code)), encoding: .utf8)!)
    }

    /// Loads `code` and fails the test unless it loaded.
    func mustLoad(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await load(code)
        #expect(response.status == .ok, "load failed: \(String(buffer: response.body))", sourceLocation: sourceLocation)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed]) }

    /// The protocol's error body; fails the test if the body is not one.
    func errorBody(sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorBody {
        #expect(headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: body))
    }
}

/// Python source for an `entrypoint` with the given body, indented for you.
func function(_ body: String, prelude: String = "") -> String {
    let indented = body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    return "\(prelude)\ndef entrypoint(data):\n\(indented)\n"
}
