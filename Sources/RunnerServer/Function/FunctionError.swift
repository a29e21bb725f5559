import RunnerHTTP
import RunnerProtocol

/// A load or run that failed because of the request or the user's code (not the runner).
struct FunctionError: Error, Equatable {
    /// Where it failed; each maps to one HTTP status. The raw values are the support module's.
    enum Kind: String {
        case invalidRequest = "invalid_request"
        case syntax
        case load
        case noEntrypoint = "no_entrypoint"
        case notLoaded = "not_loaded"
        case user
        case result
        case resultTooLarge = "result_too_large"
        case `internal`
    }

    var kind: Kind
    /// The Python exception's type name, or one of `RunnerErrorType`.
    var type: String
    var message: String
    var traceback: [String]
    var logTail: String?

    static func `internal`(_ message: String) -> Self {
        FunctionError(kind: .internal, type: RunnerErrorType.internalError, message: message, traceback: [], logTail: nil)
    }

    /// The return value encoded, but larger than what the runner may answer (and the host reads).
    static func resultTooLarge(bytes: Int, limit: Int, logTail: String?) -> Self {
        FunctionError(
            kind: .resultTooLarge, type: RunnerErrorType.resultTooLarge,
            message: "the return value is \(bytes) bytes of JSON, over the limit of \(limit)", traceback: [], logTail: logTail)
    }

    var status: HTTPStatus {
        switch kind {
        case .invalidRequest, .syntax, .load, .noEntrypoint, .notLoaded: .badRequest
        case .user, .result, .resultTooLarge, .internal: .internalServerError
        }
    }

    /// The one line a person reads first.
    var detail: String {
        switch kind {
        case .invalidRequest: "invalid request: \(message)"
        case .syntax: "the code does not compile: \(type): \(message)"
        case .load: "the code raised \(type) while loading: \(message)"
        case .noEntrypoint, .notLoaded: message
        case .user: message.isEmpty ? "entrypoint raised \(type)" : "entrypoint raised \(type): \(message)"
        case .result: "the return value is not JSON-serialisable: \(message)"
        case .resultTooLarge: message
        case .internal: "runner fault: \(message)"
        }
    }

    /// The wire type (`RunnerErrorType`, named here only): the Python exception's own name where the
    /// code failed, one of the protocol's otherwise. The dispatcher tells "the runner lost its
    /// code" by `NotLoaded`, so the support module does not get to spell it.
    var errorType: String {
        switch kind {
        case .syntax, .load, .user: type
        case .invalidRequest: RunnerErrorType.invalidRequest
        case .noEntrypoint: RunnerErrorType.noEntrypoint
        case .notLoaded: RunnerErrorType.notLoaded
        case .result: RunnerErrorType.resultNotSerializable
        case .resultTooLarge: RunnerErrorType.resultTooLarge
        case .internal: RunnerErrorType.internalError
        }
    }

    /// The failure is the function's own (`X-Function-Error`): it raised, or what it returned
    /// cannot be answered (not JSON, or too large).
    var isTheFunctions: Bool {
        switch kind {
        case .user, .result, .resultTooLarge: true
        case .invalidRequest, .syntax, .load, .noEntrypoint, .notLoaded, .internal: false
        }
    }

    var body: ErrorBody {
        ErrorBody(detail: detail, type: errorType, message: message, traceback: traceback)
    }
}
