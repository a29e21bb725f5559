import EmbeddedPython
import RunnerHTTP
import RunnerProtocol

/// Answers that do not come from the user's function: health, the runner's own errors.
enum CannedResponse {
    static let healthLoaded = Array(#"{"status":"ok","loaded":true}"#.utf8)
    static let healthNotLoaded = Array(#"{"status":"ok","loaded":false}"#.utf8)

    static func error(_ status: HTTPStatus, type: String, detail: String, message: String? = nil) -> (HTTPStatus, [UInt8]) {
        (status, ErrorBody(detail: detail, type: type, message: message ?? detail).jsonBytes)
    }

    /// A request that could not be read.
    static func unreadable(_ error: HTTPRequestError) -> (HTTPStatus, [UInt8]) {
        let type = switch error {
        case .malformed: RunnerErrorType.invalidRequest
        case .headTooLarge: RunnerErrorType.headerFieldsTooLarge
        case .bodyTooLarge: RunnerErrorType.payloadTooLarge
        case .unsupportedTransferCoding, .unsupportedExpectation, .unsupportedVersion: RunnerErrorType.unsupportedRequest
        }
        return Self.error(error.status, type: type, detail: error.description)
    }

    static func notFound() -> (HTTPStatus, [UInt8]) {
        error(.notFound, type: RunnerErrorType.notFound, detail: "no such endpoint: use POST /load, POST /run or GET /healthz")
    }

    static func methodNotAllowed(path: StaticString, allowed: StaticString) -> (HTTPStatus, [UInt8]) {
        let verb = allowed.description == "POST" ? "POST" : "GET"
        return error(.methodNotAllowed, type: RunnerErrorType.methodNotAllowed, detail: "\(path) takes \(verb)")
    }

    static func badTimeout(_ value: String) -> (HTTPStatus, [UInt8]) {
        error(
            .badRequest,
            type: RunnerErrorType.invalidRequest,
            detail: "\(RunnerHeader.timeoutMilliseconds) must be a whole number of milliseconds from 1 to \(RunnerConfiguration.maxTimeoutMilliseconds), not \"\(value)\""
        )
    }

    /// The invocation ran past its deadline and was interrupted (or never started before it).
    static func timedOut(after timeout: Duration, started: Bool) -> (HTTPStatus, [UInt8]) {
        let seconds = timeout.secondsDescription
        return error(
            .gatewayTimeout,
            type: RunnerErrorType.timeout,
            detail: started ? "the invocation timed out after \(seconds) s" : "the invocation timed out after \(seconds) s while waiting for an earlier invocation",
            message: "Task timed out after \(seconds) seconds"
        )
    }

    /// The invocation could not be interrupted: the runner exits after answering.
    static func unresponsive(after timeout: Duration) -> (HTTPStatus, [UInt8]) {
        error(
            .gatewayTimeout,
            type: RunnerErrorType.unresponsive,
            detail: "the invocation timed out after \(timeout.secondsDescription) s and could not be interrupted (busy or blocked in C code); the runner exits"
        )
    }
}
