import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// `FunctionConfiguration.runtime = .gvisor` (`pylambda run --runtime runsc`): the same calls, timeouts
/// and limits under gVisor, and no sandbox process left behind by a start that fails.
extension DockerTests {
    var gvisor: FunctionConfiguration {
        var configuration = FunctionConfiguration()
        configuration.runtime = .gvisor
        return configuration
    }

    @Test func echoTimeoutAndOutOfMemoryUnderGVisor() async throws {
        try await withDispatcher { dispatcher, docker in
            let info = try await docker.info()
            try #require(info.runtimes?["runsc"] != nil, "runsc is not registered with dockerd (make deps does it)")
            let echo = FunctionDefinition(source: Functions.echo, configuration: gvisor)
            #expect(try await dispatcher.invoke(echo, json: #"{"under":"gvisor"}"#) == #"{"under":"gvisor"}"#)
            let id = try #require(dispatcher.runners().first?.id)
            #expect(try await docker.inspectContainer(id).hostConfiguration.runtime == "runsc")

            // gVisor's own kernel answers uname: proof the call did not run on the host's.
            let kernel = FunctionDefinition(source: "import os\ndef entrypoint(data):\n    return os.uname().version\n", configuration: gvisor)
            #expect(try await dispatcher.invoke(kernel, json: "null") != "\"\(try String(contentsOfFile: "/proc/sys/kernel/version", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))\"")

            var short = gvisor
            short.timeout = .seconds(1)
            let sleeper = FunctionDefinition(source: "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return 'woke'\n", configuration: short)
            await #expect {
                _ = try await dispatcher.invoke(sleeper, json: "30")
            } throws: { error in
                guard case DispatcherError.timedOut(1, _) = error else { return false }
                return true
            }
            #expect(try await dispatcher.invoke(sleeper, json: "0") == #""woke""#)

            var small = gvisor
            small.memoryBytes = 128 << 20
            let hog = FunctionDefinition(source: "def entrypoint(data):\n    block = b'x' * (1024 * 1024 * 1024)\n    return len(block)\n", configuration: small)
            await #expect {
                _ = try await dispatcher.invoke(hog, json: "null")
            } throws: { error in
                switch error as? DispatcherError {
                case .outOfMemory(let limit): return limit == 128 << 20
                // gVisor's own kernel may refuse the allocation before the cgroup kills anything.
                case .functionFailed(let type, _, _, _): return type == "MemoryError"
                default: return false
                }
            }
        }
    }

    @Test func aFailedGVisorStartLeavesNoSandboxProcess() async throws {
        try await withDispatcher({ $0.image = "pylambda-base:bookworm"; $0.startTimeout = .seconds(10) }) { dispatcher, _ in
            // The base image has no swift-runner: the start fails inside the sandbox.
            let function = FunctionDefinition(source: Functions.echo, configuration: gvisor)
            await #expect(throws: DispatcherError.self) { _ = try await dispatcher.invoke(function, json: "1") }
            let clean = await TestEnvironment.eventually(timeout: .seconds(10)) { Self.sandboxProcesses(for: dispatcher).isEmpty }
            #expect(clean, "left behind: \(Self.sandboxProcesses(for: dispatcher))")
        }
    }

    /// Every runsc process on the machine (this suite runs one test at a time, and no other test uses
    /// gVisor, so after a failed start there should be none).
    static func sandboxProcesses(for dispatcher: Dispatcher) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        return pids.compactMap { pid -> String? in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{0}", with: " ")
            return command.hasPrefix("runsc") ? "\(pid): \(command.prefix(120))" : nil
        }
    }
}
