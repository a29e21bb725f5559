import AWSSignatureV4
import Dispatcher
import FunctionPackages
import FunctionRegistry
import HTTPTypes
import Hummingbird
import LambdaProtocol
import NIOCore
import NIOHTTP1
import RunnerProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An error as the Lambda API answers it: the type in `x-amzn-ErrorType` (what boto3 turns into the
/// exception class users catch) and `{"Type", "Message"}` as the body.
struct LambdaError: HTTPResponseError {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    var headers: HTTPFields = [:]

    static func notFound(_ message: String) -> Self { Self(status: .notFound, type: LambdaAPI.ErrorType.resourceNotFound, message: message) }
    static func invalid(_ message: String) -> Self { Self(status: .badRequest, type: LambdaAPI.ErrorType.invalidParameterValue, message: message) }
    /// A request in the Lambda API's form for an operation PyLambda does not implement.
    static func unknownOperation(_ request: Request) -> Self {
        var error = Self(
            status: .notFound, type: LambdaAPI.ErrorType.unknownOperation,
            message: "PyLambda does not implement \(request.method.rawValue) \(request.uri.path.prefix(200)): its Lambda API has \(LambdaAPI.operations.joined(separator: ", "))")
        error.headers[.amznRequestID] = RandomUUID.lowercased()
        return error
    }

    static func conflict(_ message: String) -> Self { Self(status: .conflict, type: LambdaAPI.ErrorType.resourceConflict, message: message) }
    static func tooLarge(limit: Int) -> Self {
        Self(status: .contentTooLarge, type: LambdaAPI.ErrorType.requestTooLarge, message: "the request body is larger than \(limit) bytes")
    }

    init(status: HTTPResponse.Status, type: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.message = message
        self.headers = headers
    }

    /// As AWS words it, and for an access key that is unknown or a session token that does not
    /// match, with what to check here: the same words for both, so that they do not tell whether an
    /// access key id exists.
    init(_ error: SignatureVerificationError) {
        switch error {
        case .unknownAccessKey, .invalidSessionToken:
            self.init(
                status: .forbidden, type: error.awsErrorCode,
                message: error.message
                    + " (PyLambda's access keys come from `pylambda keys create --aws` and have no session token: unset AWS_SESSION_TOKEN, or an AWS profile or SSO session, for this endpoint.)")
        default:
            self.init(status: .forbidden, type: error.awsErrorCode, message: error.message)
        }
    }

    init(_ error: RegistryError) {
        switch error {
        case _ where error.isNotFound: self = .notFound(error.description)
        case .conflict: self = .conflict(error.description)
        case .invalidInput: self = .invalid(error.description)
        default: self.init(status: .internalServerError, type: LambdaAPI.ErrorType.service, message: error.description)
        }
    }

    /// Errors that are not the function's own (those are a 200 with `X-Amz-Function-Error`,
    /// `LambdaInvokeRoute.functionError`). A configuration the dispatcher refuses is the request's
    /// fault when a function is created or updated, and the service's at an invoke (as
    /// `ServiceHTTPError(invoking:)` has it).
    init(_ error: DispatcherError, atInvoke: Bool = false) {
        switch error.fault {
        case .throttled:
            self.init(status: .tooManyRequests, type: LambdaAPI.ErrorType.tooManyRequests, message: error.summary, headers: [.retryAfter: "1"])
        case .inputTooLarge:
            self.init(status: .contentTooLarge, type: LambdaAPI.ErrorType.requestTooLarge, message: error.summary)
        case .invalidInput:
            self.init(status: .badRequest, type: LambdaAPI.ErrorType.invalidRequestContent, message: error.summary)
        case .invalidConfiguration where atInvoke:
            self.init(status: .internalServerError, type: LambdaAPI.ErrorType.service, message: "service fault: \(error.summary)")
        case .didNotLoad, .invalidConfiguration:
            self = .invalid(error.summary)
        case .raised, .unusableResult, .timedOut, .outOfMemory, .runnerFailed, .unavailable, .stopping:
            self.init(status: .internalServerError, type: LambdaAPI.ErrorType.service, message: error.summary)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        headers[.amznErrorType] = type
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: WireJSON.buffer(LambdaServiceError(type: status.code < 500 ? "User" : "Service", message: message))))
    }
}

/// Any other error a Lambda route throws, in Lambda's form; and every answer carries the request id
/// boto3 reports as `ResponseMetadata.RequestId`.
struct LambdaErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            if response.headers[.amznRequestID] == nil { response.headers[.amznRequestID] = RandomUUID.lowercased() }
            return response
        } catch {
            var lambda = Self.lambdaError(error)
            if lambda.headers[.amznRequestID] == nil { lambda.headers[.amznRequestID] = RandomUUID.lowercased() }
            throw lambda
        }
    }

    static func lambdaError(_ error: any Error) -> LambdaError {
        switch error {
        case let error as LambdaError: return error
        case let error as RegistryError: return LambdaError(error)
        case let error as DispatcherError: return LambdaError(error)
        case let error as ServiceHTTPError: return LambdaError(error)
        case let error as PackageError: return LambdaError(ServiceHTTPError(error))
        case let error as DependencyError: return LambdaError(ServiceHTTPError(error))
        case let error as RequirementsError: return LambdaError(ServiceHTTPError(error))
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return LambdaError(status: .contentTooLarge, type: LambdaAPI.ErrorType.requestTooLarge, message: "the request is too large")
        case let error as DecodingError:
            return LambdaError(status: .badRequest, type: LambdaAPI.ErrorType.invalidRequestContent, message: RequestBodyError.describe(error))
        case let error as HTTPParserError:
            return LambdaError(status: .badRequest, type: LambdaAPI.ErrorType.invalidRequestContent, message: RequestBodyError.describe(error))
        default:
            return LambdaError(status: .internalServerError, type: LambdaAPI.ErrorType.service, message: "\(error)")
        }
    }
}

extension LambdaError {
    /// The native API's error, by its status, as the Lambda exception a client catches.
    init(_ error: ServiceHTTPError) {
        let type: String
        switch error.status {
        case .badRequest: type = LambdaAPI.ErrorType.invalidParameterValue
        case .notFound: type = LambdaAPI.ErrorType.resourceNotFound
        case .conflict: type = LambdaAPI.ErrorType.resourceConflict
        case .contentTooLarge: type = LambdaAPI.ErrorType.requestTooLarge
        case .tooManyRequests: type = LambdaAPI.ErrorType.tooManyRequests
        case .forbidden: type = LambdaAPI.ErrorType.accessDenied
        default: type = LambdaAPI.ErrorType.service
        }
        let message = error.body.error.message == error.body.detail ? error.body.detail : "\(error.body.detail): \(error.body.error.message)"
        self.init(status: error.status.code >= 500 ? .internalServerError : error.status, type: type, message: message)
    }
}

extension HTTPField.Name {
    static let amznErrorType = Self(LambdaAPI.Header.errorType)!
    static let amzFunctionError = Self(LambdaAPI.Header.functionError)!
    static let amzExecutedVersion = Self(LambdaAPI.Header.executedVersion)!
    static let amzLogResult = Self(LambdaAPI.Header.logResult)!
    static let amzInvocationType = Self(LambdaAPI.Header.invocationType)!
    static let amzLogType = Self(LambdaAPI.Header.logType)!
    static let amznRequestID = Self(LambdaAPI.Header.requestID)!
}
