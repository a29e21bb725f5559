import HTTPTypes
import RunnerProtocol

/// A load or run that failed because of the request or the user's code (not the runner).
public struct FunctionError: Error, Sendable, Equatable {
    /// Where it failed; each maps to one HTTP status.
    public enum Kind: String, Sendable {
        case invalidRequest = "invalid_request"
        case syntax
        case load
        case noEntrypoint = "no_entrypoint"
        case notLoaded = "not_loaded"
        case user
        case result
        case `internal`
    }

    public var kind: Kind
    /// The Python exception's type name, or one of `RunnerErrorType`.
    public var type: String
    public var message: String
    public var traceback: [String]
    public var logTail: String?

    static func `internal`(_ message: String) -> Self {
        FunctionError(kind: .internal, type: RunnerErrorType.internalError, message: message, traceback: [], logTail: nil)
    }

    public var status: HTTPResponse.Status {
        switch kind {
        case .invalidRequest, .syntax, .load, .noEntrypoint, .notLoaded: .badRequest
        case .user, .result, .internal: .internalServerError
        }
    }

    /// The one line a person reads first.
    public var detail: String {
        switch kind {
        case .invalidRequest: "invalid request: \(message)"
        case .syntax: "the code does not compile: \(type): \(message)"
        case .load: "the code raised \(type) while loading: \(message)"
        case .noEntrypoint, .notLoaded: message
        case .user: message.isEmpty ? "entrypoint raised \(type)" : "entrypoint raised \(type): \(message)"
        case .result: "the return value is not JSON-serialisable: \(message)"
        case .internal: "runner fault: \(message)"
        }
    }

    var errorType: String {
        switch kind {
        case .invalidRequest: RunnerErrorType.invalidRequest
        case .result: RunnerErrorType.resultNotSerializable
        default: type
        }
    }
}
