import EmbeddedPython
import Foundation
import Logging
import RunnerProtocol
import RunnerServer
import Testing

/// The test process's one CPython (one per process), shared by every runner the tests start.
let testInterpreter = PythonInterpreter()

/// How a test reaches its runner.
enum Setup: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case tcp
    case unixSocket
    /// TCP, with the standby thread taking over polling as soon as any call starts: every request
    /// that arrives during a call goes through the standby's queue.
    case tcpStandbyAtOnce

    var testDescription: String { rawValue }
}

/// Every protocol test runs against each setup.
let setups = Setup.allCases

/// One runner at a time owns the shared interpreter's thread: tests that start runners take turns.
actor InterpreterLease {
    static let shared = InterpreterLease()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Runs `body` holding the interpreter lease, and gives it back however `body` ends: a lease kept by
/// a failed test would hang every runner test after it.
func withInterpreterLease<T>(_ body: () async throws -> T) async throws -> T {
    await InterpreterLease.shared.acquire()
    do {
        let value = try await body()
        await InterpreterLease.shared.release()
        return value
    } catch {
        await InterpreterLease.shared.release()
        throw error
    }
}

/// A started runner and a client for it.
struct RunnerUnderTest: Sendable {
    let runner: Runner
    let client: TestClient
    let setup: Setup
}

/// Starts a runner on the shared interpreter, runs `body` with a client for it, then drains it and
/// checks that it exited cleanly (unless `body` stopped it itself).
func withRunner(
    _ setup: Setup = .tcp,
    configure: (inout RunnerConfiguration) -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (TestClient) async throws -> Void
) async throws {
    try await withStartedRunner(setup, configure: configure, sourceLocation: sourceLocation) { try await body($0.client) }
}

func withStartedRunner(
    _ setup: Setup = .tcp,
    configure: (inout RunnerConfiguration) -> Void = { _ in },
    expectedExitCode: Int32 = RunnerExitCode.clean,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (RunnerUnderTest) async throws -> Void
) async throws {
    await InterpreterLease.shared.acquire()
    var socketDirectory: String?
    var configuration = RunnerConfiguration()
    configuration.idleTTL = nil
    switch setup {
    case .tcp, .tcpStandbyAtOnce:
        configuration.address = .tcp(host: "127.0.0.1", port: 0)
    case .unixSocket:
        let directory = try makeTemporaryDirectory()
        socketDirectory = directory
        configuration.address = .unixSocket(path: "\(directory)/runner.sock")
    }
    if setup == .tcpStandbyAtOnce { configuration.standbyDelay = .zero }
    configure(&configuration)
    var logger = Logger(label: "runner-under-test")
    logger.logLevel = .warning
    let runner = Runner(configuration: configuration, interpreter: testInterpreter, logger: logger)
    do {
        try runner.start()
    } catch {
        await InterpreterLease.shared.release()
        throw error
    }
    let address: TestClient.Address = switch configuration.address {
    case .tcp: .tcp(port: runner.port!)
    case .unixSocket(let path): .unixSocket(path: path)
    }
    let underTest = RunnerUnderTest(runner: runner, client: TestClient(address: address), setup: setup)
    var failure: (any Error)?
    do {
        try await body(underTest)
    } catch {
        failure = error
    }
    runner.stop()
    let exitCode = await runner.exitCode
    if failure == nil {
        #expect(exitCode == expectedExitCode, "the runner's exit code", sourceLocation: sourceLocation)
    }
    if let socketDirectory { try? FileManager.default.removeItem(atPath: socketDirectory) }
    await InterpreterLease.shared.release()
    if let failure { throw failure }
}

/// A fresh directory under /tmp (short: Unix socket paths are limited to 107 bytes).
func makeTemporaryDirectory(_ prefix: String = "pylambda-test") throws -> String {
    let directory = "/tmp/\(prefix)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory
}

/// Python source for an `entrypoint` with the given body, indented for you.
func function(_ body: String, prelude: String = "") -> String {
    let indented = body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    return "\(prelude)\ndef entrypoint(data):\n\(indented)\n"
}
