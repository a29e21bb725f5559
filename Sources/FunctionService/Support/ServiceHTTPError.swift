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
    /// function's failure: a 500 with `X-Function-Error`. A configuration the dispatcher refuses is
    /// the deploy's fault at deploy (400), but at an invoke it is the service's own (a version that
    /// was accepted, a package the host could not link): a 500 `InternalError`, which the CLI's
    /// `invoke` exits 3 for, as `run` does.
    init(invoking error: DispatcherError, logTail: Bool) {
        self.init(error, logTail: logTail, atInvoke: true)
    }

    /// A call's failure, by its `fault`. The function's own errors keep the runner's type, message
    /// and traceback; what it printed goes in `X-Log-Tail` when asked for and there.
    init(_ error: DispatcherError, logTail: Bool, atInvoke: Bool = false) {
        let detail = error.summary
        let reported = error.reported ?? (type: ServiceErrorType.internalError, message: detail, traceback: [])
        switch error.fault {
        case .raised, .unusableResult, .didNotLoad:
            let isTheFunctions = error.fault != .didNotLoad || atInvoke
            self.init(
                isTheFunctions ? .internalServerError : .badRequest, type: reported.type, detail: detail, message: reported.message,
                traceback: reported.traceback, headers: isTheFunctions ? [.functionError: "Unhandled"] : [:])
        case .invalidInput:
            self.init(.badRequest, type: ServiceErrorType.invalidRequest, detail: detail, message: reported.message)
        case .inputTooLarge:
            self.init(.contentTooLarge, type: ServiceErrorType.payloadTooLarge, detail: detail, message: reported.message)
        case .timedOut:
            self.init(.gatewayTimeout, type: ServiceErrorType.timeout, detail: detail)
        case .throttled:
            self.init(.tooManyRequests, type: ServiceErrorType.tooManyRequests, detail: detail, headers: [.retryAfter: "1"])
        case .outOfMemory:
            self.init(.badGateway, type: ServiceErrorType.outOfMemory, detail: detail)
        case .runnerFailed:
            self.init(.badGateway, type: ServiceErrorType.runnerFailed, detail: detail)
        case .unavailable, .stopping:
            self.init(.serviceUnavailable, type: ServiceErrorType.unavailable, detail: detail)
        case .invalidConfiguration where atInvoke:
            self.init(.internalServerError, type: ServiceErrorType.internalError, detail: "service fault: \(detail)")
        case .invalidConfiguration:
            self.init(.badRequest, type: ServiceErrorType.invalidRequest, detail: detail)
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
