import Foundation

/// A file a function creates when its call starts, so that a test sends what must arrive during the
/// call once the call really runs: a fixed pause could pass on a loaded machine before the request
/// even reached the runner.
struct CallStartedMarker: ~Copyable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("call-started-\(UUID().uuidString)").path

    /// A Python statement that creates the file. The path goes in as hex, so that no character of it
    /// can break the literal.
    var python: String {
        "open(bytes.fromhex('\(path.utf8.map { String(format: "%02x", $0) }.joined())').decode(), 'w').close()"
    }

    /// True once the call created the file (polled for about five seconds).
    func waitForCall() async throws -> Bool {
        try await eventually { FileManager.default.fileExists(atPath: path) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
