import Dispatcher
import DockerEngine
import FunctionRegistry
import RunnerProtocol
import ServiceProtocol
import Testing

@testable import FunctionService

/// A failed call, as each of serve's protocols says it: all follow from `DispatcherError.fault`, so
/// that they agree (the end-to-end tests drive the failures that a real runner can be made to give;
/// these cover every case, including those it cannot be made to give on cue).
@Suite struct FailureAnswerTests {
    static let errors: [DispatcherError] = [
        .functionFailed(type: "ZeroDivisionError", message: "division by zero", traceback: ["  File \"f.py\", line 1\n"]),
        .loadFailed(type: "ImportError", message: "no module named x", traceback: []),
        .loadFailed(type: LoadFailureType.runnerExited, message: "the runner exited", traceback: []),
        .invalidPayload(type: RunnerErrorType.invalidRequest, message: "not JSON"),
        .invalidPayload(type: RunnerErrorType.payloadTooLarge, message: "over 6 MiB"),
        .invalidPayload(type: RunnerErrorType.resultNotSerializable, message: "a set"),
        .invalidPayload(type: RunnerErrorType.resultTooLarge, message: "over 6 MiB"),
        .timedOut(seconds: 2),
        .outOfMemory(limitBytes: 128 << 20),
        .runnerDied(exitCode: 139, logTail: ""),
        .protocolViolation("HTTP 200 without a body"),
        .containerRemoved,
        .runnerStartFailed(reason: "no image"),
        .tooManyConcurrentInvocations(limit: 2, queued: 64),
        .queueTimedOut(seconds: 3),
        .docker(.daemonUnreachable(socketPath: "/var/run/docker.sock", reason: "no socket at that path")),
        .shutDown,
        .notRunning,
        .invalidConfiguration("memory must be at least 16 MiB"),
    ]

    /// An invocation record's error type is the one its invoke answered with, so that what the
    /// caller was told and what `GET /v1/invocations/{id}` says agree. A protocol violation was
    /// recorded `Unavailable` while the invoke answered 502 `RunnerFailed`.
    @Test(arguments: errors) func theRecordSaysWhatTheInvokeAnswered(_ error: DispatcherError) {
        let answer = ServiceHTTPError(invoking: error, logTail: false)
        let (status, type) = InvocationExecutor.classify(error)
        switch error {
        case .timedOut: #expect(status == .timedOut && answer.status == .gatewayTimeout)
        case .shutDown: #expect(status == .interrupted && type == InvocationError.interruptedType)
        default: #expect(status == .failed)
        }
        if error != .shutDown { #expect(type == answer.body.error.type) }
    }

    /// What the runner reported (a Python exception's type, message and traceback) reaches the
    /// caller as it was; a failure of the function's own carries `X-Function-Error`.
    @Test(arguments: errors) func theFunctionsOwnFailuresKeepTheRunnersWords(_ error: DispatcherError) {
        let answer = ServiceHTTPError(invoking: error, logTail: false)
        let isTheFunctions = [.raised, .didNotLoad, .unusableResult].contains(error.fault)
        #expect((answer.headers[.functionError] == "Unhandled") == isTheFunctions)
        // The one other 500 is the service's own fault, without the header.
        #expect((answer.status == .internalServerError) == (isTheFunctions || error.fault == .invalidConfiguration))
        if let reported = error.reported, isTheFunctions {
            #expect(answer.body.error.type == reported.type && answer.body.error.message == reported.message)
            #expect(answer.body.error.traceback == reported.traceback)
        }
    }

    @Test func statusesByFault() {
        let expected: [(DispatcherError, Int)] = [
            (.loadFailed(type: "ImportError", message: "x", traceback: []), 500),
            (.invalidPayload(type: RunnerErrorType.invalidRequest, message: "x"), 400),
            (.invalidPayload(type: RunnerErrorType.payloadTooLarge, message: "x"), 413),
            (.outOfMemory(limitBytes: 1 << 27), 502),
            (.protocolViolation("x"), 502),
            (.containerRemoved, 502),
            (.queueTimedOut(seconds: 1), 429),
            (.docker(.daemonUnreachable(socketPath: "x", reason: "x")), 503),
            (.shutDown, 503),
            // A version that deployed and then cannot be run is the service's fault, not the caller's.
            (.invalidConfiguration("x"), 500),
        ]
        for (error, code) in expected {
            #expect(ServiceHTTPError(invoking: error, logTail: false).status.code == code, "\(error)")
        }
        // At deploy, code that does not load is the request's fault.
        #expect(ServiceHTTPError(.loadFailed(type: "ImportError", message: "x", traceback: []), logTail: false).status == .badRequest)
        #expect(ServiceHTTPError(invoking: .queueTimedOut(seconds: 1), logTail: false).headers[.retryAfter] == "1")
        // At deploy, a configuration the dispatcher refuses is the request's.
        #expect(ServiceHTTPError(.invalidConfiguration("x"), logTail: false).status == .badRequest)
        #expect(LambdaError(.invalidConfiguration("x")).status == .badRequest)
        #expect(LambdaError(.invalidConfiguration("x"), atInvoke: true).status == .internalServerError)
    }

    /// On the Lambda API, a call that started and then lost its runner is answered as the function's
    /// failure (200 with `X-Amz-Function-Error`), never as a service error (500), which boto3
    /// retries: the call may have run in part, and would run again.
    @Test(arguments: errors) func lambdaNeverAsksForARetryOfACallThatStarted(_ error: DispatcherError) {
        let version = FunctionVersion.sample()
        let started: Bool = switch error.fault {
        case .raised, .timedOut, .outOfMemory, .runnerFailed: true
        default: false
        }
        if started { #expect(LambdaInvokeRoute.functionError(error, version: version) != nil, "\(error)") }
    }

    /// Refusals are counted apart from the function's failures.
    @Test(arguments: errors) func metricsCountRefusalsApart(_ error: DispatcherError) {
        let outcome = InvocationExecutor.metricsOutcome(error)
        switch error {
        case .tooManyConcurrentInvocations, .queueTimedOut: #expect(outcome == "throttled")
        case .invalidPayload(let type, _) where type == RunnerErrorType.invalidRequest || type == RunnerErrorType.payloadTooLarge:
            #expect(outcome == "invalid_input")
        default: #expect(outcome == nil)
        }
    }
}
