import Dispatcher
import FunctionRegistry
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /v1/functions/{name}/invoke`: the function's JSON result as the body, or with
/// `?mode=async` a 202 and the id of the queued call. `GET` the invocation records.
struct InvokeRoutes {
    let store: any FunctionStore
    let catalog: FunctionCatalog
    let executor: InvocationExecutor
    let worker: AsyncInvocationWorker
    let limits: ServiceConfiguration.Limits

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.post("/v1/functions/{name}/invoke") { request, context in try await invoke(request, context) }
        router.get("/v1/invocations/{id}") { _, context in try await invocation(context) }
        router.get("/v1/functions/{name}/invocations") { request, context in try await latest(request, context) }
    }

    private func invoke(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let name = try functionName(context)
        guard context.caller?.mayUse(name) == true else {
            throw ServiceHTTPError.forbidden("this key may not invoke \(name)")
        }
        let query = request.uri.queryParameters
        var number: Int?
        if let text = query.get(InvokeQuery.version) {
            guard let value = Int(text), value >= 1 else { throw ServiceHTTPError.invalid("version must be a version number (1, 2, ...)") }
            number = value
        }
        let isAsync: Bool
        switch query.get(InvokeQuery.mode) {
        case nil, "sync": isAsync = false
        case InvokeQuery.asyncMode: isAsync = true
        case let other?: throw ServiceHTTPError.invalid("mode must be sync or async, not \(String(reflecting: other))")
        }
        let wantsTail = request.headers[.logTail]?.lowercased() == "true"
        var body = try await request.body.collect(upTo: limits.maxPayloadBytes)
        // No body at all is an empty event, as Lambda treats it.
        let payload = body.readableBytes == 0 ? Array("{}".utf8) : body.readBytes(length: body.readableBytes) ?? []
        let version = try await catalog.version(of: name, number: number)

        if isAsync {
            let queued = try await executor.enqueue(version, pinned: number != nil, input: payload)
            worker.queued()
            var response = json(AsyncInvocationAccepted(invocationID: queued.id), status: .accepted)
            response.headers[.invocationID] = queued.id
            response.headers[.functionVersion] = String(version.version)
            return response
        }
        let (id, outcome, _) = await executor.invoke(version, pinned: number != nil, payload: payload, logTail: wantsTail)
        switch outcome {
        case .success(let result):
            var headers: HTTPFields = [.contentType: "application/json", .invocationID: id, .functionVersion: String(version.version)]
            if wantsTail, let tail = result.logTail { headers[.logTail] = Base64Text.encode(tail) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.json)))
        case .failure(let error):
            var failure = ServiceHTTPError(invoking: error, logTail: wantsTail)
            failure.headers[.invocationID] = id
            failure.headers[.functionVersion] = String(version.version)
            throw failure
        }
    }

    private func invocation(_ context: ServiceRequestContext) async throws -> Response {
        let id = context.pathParameter("id")
        // Sync calls are recorded behind their answers: the caller may ask at once.
        await executor.recorder.flush()
        let record = try await store.invocation(id: id)
        guard context.caller?.mayUse(record.functionName) == true else {
            throw ServiceHTTPError.forbidden("this key may not read invocations of \(record.functionName)")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: record.encodedBody))
    }

    private func latest(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let name = try functionName(context)
        guard context.caller?.mayUse(name) == true else {
            throw ServiceHTTPError.forbidden("this key may not read invocations of \(name)")
        }
        let limit = try listLimit(request, default: 20)
        await executor.recorder.flush()
        let page = try await store.invocations(of: name, limit: limit, before: request.uri.queryParameters.get("marker"))
        // Results of async calls are left out of the list; `GET /v1/invocations/{id}` has them.
        return json(InvocationList(invocations: page.invocations.map(\.body), nextMarker: page.nextMarker))
    }
}

enum Base64Text {
    static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }
}
