#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EmbeddedPython
import HTTPTypes
import Hummingbird
import NIOCore
import RunnerProtocol

/// Any failure, as the HTTP response the protocol promises: a status and a JSON `ErrorBody`.
struct RunnerHTTPError: HTTPResponseError {
    var status: HTTPResponse.Status
    var body: ErrorBody
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, body: ErrorBody, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    init(_ status: HTTPResponse.Status, type: String, detail: String) {
        self.init(status: status, body: ErrorBody(detail: detail, type: type, message: detail))
    }

    /// Maps every error a route can throw; unknown ones become a 500 that names them.
    init(_ error: any Error) {
        switch error {
        case let error as RunnerHTTPError:
            self = error
        case let error as FunctionError:
            var headers: HTTPFields = [:]
            if let tail = error.logTail { headers[.logTail] = tail }
            if error.kind == .user || error.kind == .result { headers[.functionError] = "Unhandled" }
            self.init(
                status: error.status,
                body: ErrorBody(detail: error.detail, type: error.errorType, message: error.message, traceback: error.traceback),
                headers: headers
            )
        case let error as PythonInterpreterError:
            switch error {
            case .deadlineExceeded(let timeout, _):
                self.init(
                    status: .gatewayTimeout,
                    body: ErrorBody(
                        detail: "the invocation \(error)",
                        type: RunnerErrorType.timeout,
                        message: "Task timed out after \(timeout.secondsDescription) seconds"
                    )
                )
            case .unresponsive:
                self.init(.gatewayTimeout, type: RunnerErrorType.unresponsive, detail: "the invocation \(error); the runner exits")
            case .initializationFailed:
                self.init(.serviceUnavailable, type: RunnerErrorType.unavailable, detail: "\(error)")
            }
        case let error as HTTPError where error.status == .notFound:
            self.init(.notFound, type: RunnerErrorType.notFound, detail: "no such endpoint: use POST /load, POST /run or GET /healthz")
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            self.init(.contentTooLarge, type: RunnerErrorType.payloadTooLarge, detail: "the request body is larger than the runner's limit")
        case let error as any HTTPResponseError:
            self.init(error.status, type: RunnerErrorType.invalidRequest, detail: "\(error)")
        default:
            self.init(.internalServerError, type: RunnerErrorType.internalError, detail: "runner fault: \(error)")
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: Self.encode(body)))
    }

    static func encode(_ body: ErrorBody) -> ByteBuffer {
        // Strings only: encoding cannot fail, and JSONEncoder escapes whatever the message holds.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"detail":"runner fault","error":{"type":"InternalError","message":"","traceback":[]}}"#.utf8)
        return ByteBuffer(bytes: data)
    }
}

/// Turns whatever a route throws (or Hummingbird's own 404 and 413) into the JSON error body, so that
/// no response leaves the runner without one.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw RunnerHTTPError(error)
        }
    }
}

extension HTTPField.Name {
    static let timeoutMilliseconds = Self(RunnerHeader.timeoutMilliseconds)!
    static let logTail = Self(RunnerHeader.logTail)!
    static let functionError = Self(RunnerHeader.functionError)!
}
