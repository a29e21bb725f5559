import Dispatcher
import FunctionRegistry
import HTTPTypes
import Hummingbird
import LambdaProtocol
import NIOCore
import RunnerProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Lambda's `Invoke`: `POST /2015-03-31/functions/{name}/invocations`, as boto3 and the AWS CLI call it.
///
/// `X-Amz-Invocation-Type` is `RequestResponse` (run and answer), `Event` (queued durably, 202) or
/// `DryRun` (checks only, 204). A failure of the function itself (it raised, timed out, ran out of
/// memory, or its result is not JSON) is a 200 with `X-Amz-Function-Error: Unhandled` and Lambda's
/// `{"errorMessage", "errorType", "stackTrace"}`, as Lambda answers it; a failure to run it at all is
/// an error status.
struct LambdaInvokeRoute {
    let catalog: FunctionCatalog
    let executor: InvocationExecutor
    let worker: AsyncInvocationWorker

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.post("/functions/{name}/invocations") { request, context in try await invoke(request, context) }
    }

    private func invoke(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let target = try LambdaFunctionName(rawComponent: rawName(context), qualifier: request.uri.queryParameters.get("Qualifier"))
        guard context.caller?.mayUse(target.name) == true else {
            throw LambdaError(
                status: .forbidden, type: LambdaAPI.ErrorType.accessDenied,
                message: "the key \(context.caller?.keyName ?? "") may not invoke \(target.name)")
        }
        // At most `maxPayloadBytes`: SignatureAuthenticator read it with that limit.
        var body = context.lambdaBody
        // No payload is an empty event, as Lambda treats it.
        let payload = body.readableBytes == 0 ? Array("{}".utf8) : body.readBytes(length: body.readableBytes) ?? []
        guard JSONValidator.isValid(payload) else {
            throw LambdaError(status: .badRequest, type: LambdaAPI.ErrorType.invalidRequestContent, message: "Could not parse request body into json")
        }
        let number = try target.versionNumber()
        let version = try await catalog.version(of: target.name, number: number)
        if number != nil, !version.published {
            throw LambdaError.notFound("Function not found: \(LambdaARN.function(target.name, region: catalog.region)):\(version.version)")
        }
        // Unqualified calls run `$LATEST`, and Lambda says so.
        let executed = number.map(String.init) ?? "$LATEST"

        switch request.headers[.amzInvocationType] ?? "RequestResponse" {
        case "DryRun":
            return Response(status: .noContent, headers: [.amzExecutedVersion: executed])
        case "Event":
            let queued = try await executor.enqueue(version, pinned: number != nil, input: payload)
            worker.queued()
            return Response(status: .accepted, headers: [.amznRequestID: queued.id, .amzExecutedVersion: executed])
        case "RequestResponse":
            break
        case let other:
            throw LambdaError.invalid("X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, not \(other)")
        }

        let wantsTail = request.headers[.amzLogType] == "Tail"
        let (id, outcome, duration) = await executor.invoke(version, pinned: number != nil, payload: payload, logTail: wantsTail)
        var headers: HTTPFields = [.contentType: "application/json", .amznRequestID: id, .amzExecutedVersion: executed]
        switch outcome {
        case .success(let result):
            if wantsTail { headers[.amzLogResult] = Self.logResult(result.logTail, id: id, version: executed, duration: duration, of: version) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.json)))
        case .failure(let error):
            guard let functionError = Self.functionError(error, version: version) else {
                var failure = LambdaError(error, atInvoke: true)
                failure.headers[.amznRequestID] = id
                throw failure
            }
            headers[.amzFunctionError] = "Unhandled"
            if wantsTail {
                var output = error.logTail ?? ""
                // Lambda's runtime logs a timeout after what the function printed.
                if case .timedOut = error { output += "\(WireJSON.timestamp(Date())) \(id) \(functionError.errorMessage)\n" }
                headers[.amzLogResult] = Self.logResult(output, id: id, version: executed, duration: duration, of: version)
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: WireJSON.buffer(functionError)))
        }
    }

    /// `X-Amz-Log-Result`: the call's output between Lambda's `START` and `END` lines, and its
    /// `REPORT`, base64.
    static func logResult(_ output: String?, id: String, version executed: String, duration: Duration, of version: FunctionVersion) -> String {
        let log = LambdaLogResult(
            requestID: id, version: executed, output: output ?? "", durationMS: duration.milliseconds, memoryMB: version.settings.memoryMB)
        return Base64Text.encode(log.text)
    }

    /// The failures that are the function's own, in the body Lambda's Python runtime gives them.
    static func functionError(_ error: DispatcherError, version: FunctionVersion) -> LambdaFunctionError? {
        switch error {
        case .functionFailed(let type, let message, let traceback, _), .loadFailed(let type, let message, let traceback):
            return LambdaFunctionError(errorMessage: message, errorType: type, stackTrace: LambdaFunctionError.stackTrace(fromPythonTraceback: traceback))
        case .timedOut(let seconds, _):
            return LambdaFunctionError(
                errorMessage: "Task timed out after \(String(format: "%.2f", seconds)) seconds", errorType: "Sandbox.Timedout", stackTrace: [])
        case .outOfMemory:
            return LambdaFunctionError(
                errorMessage: "Runtime exited with error: signal: killed (the memory limit of \(version.settings.memoryMB) MB was reached)",
                errorType: "Runtime.OutOfMemory", stackTrace: [])
        case .runnerDied(let exitCode, _):
            return LambdaFunctionError(
                errorMessage: "Runtime exited with error: exit status \(exitCode)", errorType: "Runtime.ExitError", stackTrace: [])
        // A call that started and then lost its runner is answered as the function's failure (200),
        // as a runtime that exited is: a service error (500) is one that SDKs retry, and the call
        // may have run in part.
        case .containerRemoved:
            return LambdaFunctionError(
                errorMessage: "Runtime exited with error: signal: killed (its container was removed during the call)", errorType: "Runtime.ExitError",
                stackTrace: [])
        case .protocolViolation(let message):
            return LambdaFunctionError(errorMessage: "the runtime's answer could not be read: \(message)", errorType: "Runtime.Unknown", stackTrace: [])
        case .invalidPayload(let type, let message) where type == RunnerErrorType.resultNotSerializable:
            return LambdaFunctionError(errorMessage: "Unable to marshal response: \(message)", errorType: "Runtime.MarshalError", stackTrace: [])
        case .invalidPayload(let type, let message) where type == RunnerErrorType.resultTooLarge:
            // Lambda's own words for it, and a function error (200), not a service error boto3 retries.
            return LambdaFunctionError(
                errorMessage: "Response payload size exceeded maximum allowed payload size: \(message)", errorType: "Function.ResponseSizeTooLarge",
                stackTrace: [])
        case .invalidPayload, .runnerStartFailed, .tooManyConcurrentInvocations, .queueTimedOut, .docker, .shutDown,
            .notRunning, .invalidConfiguration, .stateDirectory:
            return nil
        }
    }
}
