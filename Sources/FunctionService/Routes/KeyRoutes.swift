import FunctionRegistry
import Hummingbird
import ServiceProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// API keys (admin keys only): bearer keys for the native API, AWS-style keys for the Lambda API.
/// A secret appears once, in the answer to its creation.
struct KeyRoutes {
    let store: any FunctionStore

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.post("/v1/keys") { request, context in try await create(request, context) }
        // Off the event loop: it reads and encodes every key.
        router.get("/v1/keys") { _, context in try await offLoop { try await list(context) } }
        router.delete("/v1/keys/{name}") { _, context in try await revoke(context) }
    }

    private func create(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try await request.body.collect(upTo: 64 << 10)
        let wanted: CreateKeyRequest
        do {
            wanted = try KnownFields.decode(CreateKeyRequest.self, from: body)
        } catch let error as ServiceHTTPError {
            throw error
        } catch {
            throw ServiceHTTPError.invalid("the body must be {\"name\": ..., \"scope\": \"admin\"|\"invoke\", \"function\"?: ..., \"aws\"?: true}")
        }
        guard let scope = KeyScope(rawValue: wanted.scope) else {
            throw ServiceHTTPError.invalid("scope must be admin or invoke, not \(String(reflecting: wanted.scope))")
        }
        if let function = wanted.function {
            guard scope == .invoke else { throw ServiceHTTPError.invalid("only invoke keys are limited to one function") }
            guard FunctionNameRule.isValid(function) else { throw ServiceHTTPError.invalid("\(String(reflecting: function)) is not a function name") }
        }
        if wanted.aws == true {
            let key = try await store.createAWSAccessKey(
                NewAWSAccessKey.generate(name: wanted.name, scope: scope, functionName: wanted.function))
            var answer = key.body
            answer.secretAccessKey = key.secretAccessKey
            return json(answer, status: .created)
        }
        let secret = BearerKeySecret.generate()
        let key = try await store.createBearerKey(NewBearerKey(name: wanted.name, secret: secret, scope: scope, functionName: wanted.function))
        var answer = key.body
        answer.key = secret
        return json(answer, status: .created)
    }

    private func list(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let bearer = try await store.bearerKeys().map(\.body)
        let aws = try await store.awsAccessKeys().map(\.body)
        return json(KeyList(keys: (bearer + aws).sorted { $0.createdAt < $1.createdAt }))
    }

    private func revoke(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let name = context.pathParameter("name")
        // The last admin key revoked by itself would leave no way to manage keys until a restart.
        guard context.caller?.keyName != name else {
            throw ServiceHTTPError(
                .conflict, type: ServiceErrorType.conflict,
                detail: "this request is signed with the key \(name): revoke it with another admin key, so that one is left (`pylambda keys create --scope admin` makes one)")
        }
        let bearer = try await store.bearerKeys().contains { $0.name == name && $0.revokedAt == nil }
        if bearer {
            _ = try await store.revokeBearerKey(named: name)
        } else if let aws = try await store.awsAccessKeys().first(where: { $0.name == name && $0.revokedAt == nil }) {
            _ = try await store.revokeAWSAccessKey(id: aws.accessKeyID)
        } else {
            throw ServiceHTTPError.notFound("no active key named \(name)")
        }
        return Response(status: .noContent)
    }
}

extension BearerKey {
    var body: KeyBody {
        KeyBody(
            name: name, scope: scope.rawValue, function: functionName, kind: "bearer", createdAt: WireJSON.timestamp(createdAt),
            revokedAt: revokedAt.map(WireJSON.timestamp))
    }
}

extension AWSAccessKey {
    var body: KeyBody {
        KeyBody(
            name: name, scope: scope.rawValue, function: functionName, kind: "aws", createdAt: WireJSON.timestamp(createdAt),
            revokedAt: revokedAt.map(WireJSON.timestamp), accessKeyID: accessKeyID)
    }
}
