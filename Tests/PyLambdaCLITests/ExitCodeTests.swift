import Dispatcher
import RunnerProtocol
import Testing

@testable import FunctionService
@testable import PyLambdaCLI

/// `pylambda invoke` exits as `pylambda run` does for the same failure: `run` reads the dispatcher's
/// error, `invoke` the answer serve made of it.
@Suite struct ExitCodeTests {
    @Test(arguments: [
        (DispatcherError.functionFailed(type: "KeyError", message: "'n'", traceback: []), Int32(1)),
        (.loadFailed(type: "ImportError", message: "no module named x", traceback: []), 1),
        (.invalidPayload(type: RunnerErrorType.invalidRequest, message: "not JSON"), 4),
        (.invalidPayload(type: RunnerErrorType.payloadTooLarge, message: "too large"), 4),
        (.invalidPayload(type: RunnerErrorType.resultNotSerializable, message: "a set"), 4),
        (.invalidPayload(type: RunnerErrorType.resultTooLarge, message: "too large"), 4),
        (.tooManyConcurrentInvocations(limit: 1, queued: 64), 5),
        // It waited its whole timeout for a container: too busy (429), not the function's timeout.
        (.queueTimedOut(seconds: 3), 5),
        (.timedOut(seconds: 3), 124),
        (.outOfMemory(limitBytes: 1 << 27), 137),
        (.runnerDied(exitCode: 139, logTail: ""), 137),
        (.protocolViolation("HTTP 200 without a body"), 137),
        // The call started: not a runner that could not start (503, which invites a retry).
        (.containerRemoved, 137),
        (.runnerStartFailed(reason: "no image"), 3),
        (.shutDown, 3),
        (.invalidConfiguration("the function's package cannot be used: disk full"), 3),
    ])
    func invokeExitsAsRunDoes(_ error: DispatcherError, _ code: Int32) {
        #expect(RunCommand.exitCode(for: error) == code)
        let answer = ServiceHTTPError(invoking: error, logTail: false)
        #expect(Self.received(answer).exitCode == code, "\(answer.status) \(answer.body.error.type)")
    }

    /// A function's own exception may be named like one of the service's errors: `X-Function-Error`
    /// says whose it is.
    @Test func aFunctionsExceptionNamedInternalErrorIsTheFunctions() {
        let answer = ServiceHTTPError(invoking: .functionFailed(type: "InternalError", message: "mine", traceback: []), logTail: false)
        #expect(Self.received(answer).exitCode == 1)
    }

    /// serve's answer as the CLI's client receives it.
    private static func received(_ answer: ServiceHTTPError) -> ServiceClientError {
        .answered(.init(status: Int(answer.status.code), body: [], error: answer.body, isTheFunctionsError: answer.headers[.functionError] != nil))
    }
}
