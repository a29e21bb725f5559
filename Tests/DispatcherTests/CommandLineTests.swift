import Foundation
import Testing

@testable import Dispatcher

/// The CLI as a subprocess: bad options are refused with a message, never a crash.
@Suite struct CommandLineValidationTests {
    @Test(arguments: [
        ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "1e13"], ["--timeout", "86401"],
        ["--timeout", "0"], ["--timeout=-5"], ["--idle-ttl", "9223372036854775807"], ["--idle-ttl", "0"],
        ["--memory", "9223372036854775807"], ["--runtime", "kata"],
    ])
    func badOptionsAreRefusedClearly(_ options: [String]) throws {
        let result = try TestEnvironment.runCLI(["run", "/dev/null"] + options)
        #expect(result.status == 64, "\(result.errors)")
        let option = options[0].split(separator: "=")[0]
        #expect(result.errors.contains(option), "the message names the option: \(result.errors)")
    }

    @Test func limitsOfTheLibraryAreClampedOrRefused() throws {
        var function = FunctionConfiguration()
        function.timeout = .seconds(1e13)
        #expect(function.effectiveTimeout == FunctionConfiguration.maxTimeout)
        function.timeout = .seconds(-1)
        #expect(function.effectiveTimeout == .milliseconds(1))
        var configuration = DispatcherConfiguration()
        configuration.idleTTL = .seconds(Int.max)
        #expect(configuration.idleTTLSeconds == DispatcherConfiguration.maxIdleTTLSeconds)
        for user in ["0", "0:0", "root", "root:root"] {
            var root = FunctionConfiguration()
            root.user = user
            #expect(throws: DispatcherError.self, "user \(user)") { try root.validate() }
        }
        for bytes in [0, -1, (1 << 30) + 1, 1 << 32, Int.max] {
            var huge = FunctionConfiguration()
            huge.maxBodyBytes = bytes
            #expect(throws: DispatcherError.self, "maxBodyBytes \(bytes)") { try huge.validate() }
            // Made before it is validated: it must not trap either.
            let limit = FunctionDefinition(source: "", configuration: huge).maxResponseBytes
            #expect(limit >= 1 + (64 << 10) && limit <= (1 << 30) + (64 << 10))
        }
        var rootDispatcher = DispatcherConfiguration()
        rootDispatcher.function.user = "0:0"
        #expect { _ = try Dispatcher(configuration: rootDispatcher) } throws: { "\($0)".contains("must not be root") }
    }
}
