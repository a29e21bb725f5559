import AWSSignatureV4
import Dispatcher
import FunctionRegistry
import HTTPTypes
import Hummingbird
import LambdaProtocol
import NIOCore

/// An error as the Lambda API answers it: the type in `x-amzn-ErrorType` (what boto3 turns into the
/// exception class users catch) and `{"Type", "Message"}` as the body.
struct LambdaError: HTTPResponseError {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    var headers: HTTPFields = [:]

    static func notFound(_ message: String) -> Self { Self(status: .notFound, type: LambdaAPI.ErrorType.resourceNotFound, message: message) }
    static func invalid(_ message: String) -> Self { Self(status: .badRequest, type: LambdaAPI.ErrorType.invalidParameterValue, message: message) }
    static func conflict(_ message: String) -> Self { Self(status: .conflict, type: LambdaAPI.ErrorType.resourceConflict, message: message) }

    init(status: HTTPResponse.Status, type: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.message = message
        self.headers = headers
    }

    init(_ error: SignatureVerificationError) {
        self.init(status: .forbidden, type: error.awsErrorCode, message: error.message)
    }

    init(_ error: RegistryError) {
        switch error {
        case _ where error.isNotFound: self = .notFound(error.description)
        case .conflict: self = .conflict(error.description)
        case .invalidInput: self = .invalid(error.description)
        default: self.init(status: .internalServerError, type: LambdaAPI.ErrorType.service, message: error.description)
        }
    }

    /// Errors that are not the function's own (those are a 200 with `X-Amz-Function-Error`).
    init(_ error: DispatcherError) {
        switch error {
        case .tooManyConcurrentInvocations, .queueTimedOut:
            self.init(status: .tooManyRequests, type: LambdaAPI.ErrorType.tooManyRequests, message: error.summary, headers: [.retryAfter: "1"])
        case .invalidPayload(let type, _) where type == "PayloadTooLarge":
            self.init(status: .contentTooLarge, type: LambdaAPI.ErrorType.requestTooLarge, message: error.summary)
        case .invalidPayload:
            self.init(status: .badRequest, type: LambdaAPI.ErrorType.invalidRequestContent, message: error.summary)
        case .loadFailed, .invalidConfiguration:
            self = .invalid(error.summary)
        default:
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

/// Any other error a Lambda route throws, in Lambda's form.
struct LambdaErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as LambdaError {
            throw error
        } catch let error as RegistryError {
            throw LambdaError(error)
        } catch let error as DispatcherError {
            throw LambdaError(error)
        } catch let error as ServiceHTTPError {
            throw LambdaError(status: error.status, type: error.status == .badRequest ? LambdaAPI.ErrorType.invalidParameterValue : LambdaAPI.ErrorType.service, message: error.body.detail)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw LambdaError(status: .contentTooLarge, type: LambdaAPI.ErrorType.requestTooLarge, message: "the request is too large")
        } catch let error as HTTPError where error.status == .notFound {
            throw LambdaError(status: .notFound, type: "UnknownOperationException", message: "unknown operation")
        } catch is DecodingError {
            throw LambdaError(status: .badRequest, type: LambdaAPI.ErrorType.invalidRequestContent, message: "could not parse the request body")
        } catch {
            throw LambdaError(status: .internalServerError, type: LambdaAPI.ErrorType.service, message: "\(error)")
        }
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
