import Dispatcher
import FunctionPackages
import FunctionRegistry
import HTTPTypes
import Hummingbird
import LambdaProtocol
import NIOCore
import NIOHTTP1
import RunnerProtocol
import ServiceProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every failure as the API answers it: a status, headers, and the runner's error body
/// `{"detail", "error": {"type", "message", "traceback"}}`.
struct ServiceHTTPError: HTTPResponseError {
    var status: HTTPResponse.Status
    var body: ErrorBody
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, type: String, detail: String, message: String? = nil, traceback: [String] = [], headers: HTTPFields = [:]) {
        self.status = status
        body = ErrorBody(detail: detail, type: type, message: message ?? detail, traceback: traceback)
        self.headers = headers
    }

    static func invalid(_ detail: String) -> Self { Self(.badRequest, type: ServiceErrorType.invalidRequest, detail: detail) }
    static func unauthorized(_ detail: String) -> Self { Self(.unauthorized, type: ServiceErrorType.unauthorized, detail: detail, headers: [.wwwAuthenticate: "Bearer"]) }
    static func forbidden(_ detail: String) -> Self { Self(.forbidden, type: ServiceErrorType.forbidden, detail: detail) }
    static func notFound(_ detail: String) -> Self { Self(.notFound, type: ServiceErrorType.notFound, detail: detail) }
    static func tooLarge(_ limit: Int) -> Self {
        Self(.contentTooLarge, type: ServiceErrorType.payloadTooLarge, detail: "the request body is larger than \(limit) bytes")
    }

    /// A registry failure: not found is 404, a conflict 409, bad input 400, the database gone 503.
    init(_ error: RegistryError) {
        switch error {
        case _ where error.isNotFound: self.init(.notFound, type: ServiceErrorType.notFound, detail: error.description)
        case .conflict: self.init(.conflict, type: ServiceErrorType.conflict, detail: error.description)
        case .invalidInput: self.init(.badRequest, type: ServiceErrorType.invalidRequest, detail: error.description)
        case .unavailable, .shutDown: self.init(.serviceUnavailable, type: ServiceErrorType.unavailable, detail: error.description)
        default: self.init(.internalServerError, type: ServiceErrorType.internalError, detail: error.description)
        }
    }

    /// A call's failure, as an invoke answers it (`InvocationExecutor.atInvoke` has classified it).
    /// Code that does not load is a 400 when it is deployed, but a version that deployed and then
    /// failed to load in a new runner (its module raised, say a setting it reads was gone) is the
    /// function's failure: a 500 with `X-Function-Error`.
    init(invoking error: DispatcherError, logTail: Bool) {
        guard case .loadFailed(let type, let message, let traceback) = error else {
            self.init(error, logTail: logTail)
            return
        }
        self.init(.internalServerError, type: type, detail: error.summary, message: message, traceback: traceback, headers: [.functionError: "Unhandled"])
    }

    /// A call's failure. The function's own errors keep the runner's type, message and traceback;
    /// what it printed goes in `X-Log-Tail` when asked for and there.
    init(_ error: DispatcherError, logTail: Bool) {
        switch error {
        case .functionFailed(let type, let message, let traceback, _):
            self.init(.internalServerError, type: type, detail: error.summary, message: message, traceback: traceback, headers: [.functionError: "Unhandled"])
        case .loadFailed(let type, let message, let traceback):
            self.init(.badRequest, type: type, detail: error.summary, message: message, traceback: traceback)
        case .invalidPayload(let type, let message):
            switch type {
            case RunnerErrorType.resultNotSerializable, RunnerErrorType.resultTooLarge:
                self.init(.internalServerError, type: type, detail: error.summary, message: message, headers: [.functionError: "Unhandled"])
            case RunnerErrorType.payloadTooLarge:
                self.init(.contentTooLarge, type: ServiceErrorType.payloadTooLarge, detail: error.summary, message: message)
            default:
                self.init(.badRequest, type: ServiceErrorType.invalidRequest, detail: error.summary, message: message)
            }
        case .timedOut:
            self.init(.gatewayTimeout, type: ServiceErrorType.timeout, detail: error.summary)
        case .queueTimedOut, .tooManyConcurrentInvocations:
            self.init(.tooManyRequests, type: ServiceErrorType.tooManyRequests, detail: error.summary, headers: [.retryAfter: "1"])
        case .outOfMemory:
            self.init(.badGateway, type: ServiceErrorType.outOfMemory, detail: error.summary)
        case .runnerDied, .protocolViolation:
            self.init(.badGateway, type: ServiceErrorType.runnerFailed, detail: error.summary)
        case .docker, .runnerStartFailed, .shutDown, .notRunning, .stateDirectory:
            self.init(.serviceUnavailable, type: ServiceErrorType.unavailable, detail: error.summary)
        case .invalidConfiguration:
            self.init(.badRequest, type: ServiceErrorType.invalidRequest, detail: error.summary)
        }
        if logTail, let tail = error.logTail { headers[.logTail] = Base64Text.encode(tail) }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: WireJSON.buffer(body)))
    }
}

/// Turns whatever a route throws (and Hummingbird's own 404, 405 and 413) into the JSON error body.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceHTTPError {
            throw error
        } catch let error as LambdaError {
            // Already in the Lambda API's own form.
            throw error
        } catch let error as RegistryError {
            throw ServiceHTTPError(error)
        } catch let error as DispatcherError {
            throw ServiceHTTPError(error, logTail: false)
        } catch let error as PackageError {
            throw ServiceHTTPError(error)
        } catch let error as DependencyError {
            throw ServiceHTTPError(error)
        } catch let error as RequirementsError {
            throw ServiceHTTPError(error)
        } catch let error as HTTPError where error.status == .notFound {
            // A Lambda operation PyLambda lacks: in Lambda's form, so that boto3 names it.
            if LambdaAPI.isVersionedPath(request.uri.path) { throw LambdaError.unknownOperation(request) }
            throw MethodNotAllowed.error(for: request) ?? ServiceHTTPError.notFound("no such endpoint: see GET \(ServicePath.openAPI)")
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw ServiceHTTPError(.contentTooLarge, type: ServiceErrorType.payloadTooLarge, detail: "the request body is too large")
        } catch let error as any HTTPResponseError {
            throw ServiceHTTPError(error.status, type: ServiceErrorType.invalidRequest, detail: "\(error)")
        } catch let error as DecodingError {
            throw ServiceHTTPError.invalid(RequestBodyError.describe(error))
        } catch let error as HTTPParserError {
            throw ServiceHTTPError.invalid(RequestBodyError.describe(error))
        } catch {
            throw ServiceHTTPError(.internalServerError, type: ServiceErrorType.internalError, detail: "service fault: \(error)")
        }
    }
}

extension HTTPField.Name {
    static let invocationID = Self(ServiceHeader.invocationID)!
    static let functionVersion = Self(ServiceHeader.functionVersion)!
    static let logTail = Self(ServiceHeader.logTail)!
    static let functionError = Self(ServiceHeader.functionError)!
}
