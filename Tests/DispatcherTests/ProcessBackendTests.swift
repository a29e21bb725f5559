import Foundation
import Testing

@testable import Dispatcher

/// `--backend process`: the same pool over child processes, for machines without Docker.
@Suite(.serialized)
struct ProcessBackendTests {
    /// `swift-runner` as `swift build --build-tests` leaves it next to the test bundle.
    static func runnerExecutable() -> String? {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("swift-runner").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return Dispatcher.findRunnerExecutable(nextTo: nil)
    }

    @Test func runsReusesAndSurvivesFailures() async throws {
        let runner = try #require(Self.runnerExecutable(), "swift-runner is not built (swift build --build-tests)")
        var configuration = DispatcherConfiguration()
        configuration.backend = .process(runnerExecutable: runner)
        configuration.warmPoolSize = 0
        configuration.stateDirectory = "/tmp/pylambda-process-tests-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: configuration.stateDirectory) }
        configuration.logger.logLevel = .warning
        let pids = try await Dispatcher.withDispatcher(configuration: configuration) { dispatcher in
            let code = Functions.counter("process")
            #expect(try await dispatcher.invoke(code: code, input: 0, as: CallCounter.self).calls == 1)
            #expect(try await dispatcher.invoke(code: code, input: 0, as: CallCounter.self).calls == 2)

            let failing = """
                import os, time
                def entrypoint(data):
                    if data == "exit":
                        os._exit(5)
                    if data == "sleep":
                        time.sleep(30)
                    return "ok"
                """
            await #expect {
                _ = try await dispatcher.invoke(code: failing, json: #""exit""#)
            } throws: { error in
                guard case DispatcherError.runnerDied(let exitCode, _) = error else { return false }
                return exitCode == 5
            }
            var configuration = FunctionConfiguration()
            configuration.timeout = .seconds(1)
            await #expect {
                _ = try await dispatcher.invoke(code: failing, json: #""sleep""#, configuration: configuration)
            } throws: { error in
                guard case DispatcherError.timedOut = error else { return false }
                return true
            }
            let answer = try await dispatcher.invoke(code: failing, json: "null")
            #expect(answer == #""ok""#)
            return dispatcher.runners().compactMap { Int32($0.id.dropFirst("process-".count)) }
        }
        #expect(!pids.isEmpty)
        for pid in pids {
            #expect(kill(pid, 0) != 0, "runner process \(pid) is gone after shutdown")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: configuration.stateDirectory + "/process-runners")
        #expect(left.isEmpty, "no runner directory is left behind: \(left)")
    }
}
