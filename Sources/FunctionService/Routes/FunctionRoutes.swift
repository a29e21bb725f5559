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

/// Deploy, list, read and delete functions (admin keys only).
struct FunctionRoutes {
    let store: any FunctionStore
    let dispatcher: Dispatcher
    let catalog: FunctionCatalog
    let limits: ServiceConfiguration.Limits

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.put("/v1/functions/{name}") { request, context in try await deploy(request, context) }
        router.get("/v1/functions") { request, context in try await list(request, context) }
        router.get("/v1/functions/{name}") { _, context in try await get(context) }
        router.get("/v1/functions/{name}/versions") { _, context in try await versions(context) }
        router.delete("/v1/functions/{name}") { _, context in try await delete(context) }
    }

    private func deploy(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let name = try functionName(context)
        let body = try await request.body.collect(upTo: limits.maxDeployBytes)
        let deploy: DeployRequest
        do {
            deploy = try JSONDecoder().decode(DeployRequest.self, from: body)
        } catch {
            throw ServiceHTTPError.invalid("the body must be a JSON object such as {\"code\": \"def entrypoint(data): ...\"}: \(error)")
        }
        let new = try newVersion(deploy)
        // The code must load before it is stored: it is checked in a runner, as the next version, so
        // that the runner it warmed serves that version's first call.
        let expected = ((try? await store.function(named: name))?.latest.version ?? 0) + 1
        let preview = FunctionVersion(
            functionName: name, functionID: 0, version: expected, createdAt: Date(), codeSHA256: "", codeSize: 0,
            kind: new.code.kind, handler: new.handler, dependencySetKey: nil, requirements: nil, settings: new.settings,
            description: new.description, published: false)
        try await dispatcher.prepare(try catalog.makeDefinition(preview, code: new.code))
        let created = try await store.createVersion(of: name, new)
        catalog.deployed(created.version)
        return Response(
            status: created.isNewFunction ? .created : .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: WireJSON.buffer(created.version.body)))
    }

    /// Checks every setting against the service's limits, with a message that names it.
    func newVersion(_ deploy: DeployRequest) throws -> NewFunctionVersion {
        guard let code = deploy.code, deploy.zip == nil else {
            throw ServiceHTTPError.invalid("give the function as \"code\" (Python source defining entrypoint(data))")
        }
        guard code.utf8.count <= limits.maxSourceBytes else {
            throw ServiceHTTPError.invalid("\"code\" is larger than \(limits.maxSourceBytes) bytes")
        }
        var settings = FunctionSettings()
        if let memory = deploy.memoryMB {
            guard (limits.minMemoryMB...limits.maxMemoryMB).contains(memory) else {
                throw ServiceHTTPError.invalid("memory_mb must be from \(limits.minMemoryMB) to \(limits.maxMemoryMB), not \(memory)")
            }
            settings.memoryMB = memory
        }
        if let timeout = deploy.timeoutSeconds {
            guard timeout.isFinite, timeout >= limits.minTimeoutSeconds, timeout <= limits.maxTimeoutSeconds else {
                throw ServiceHTTPError.invalid("timeout_s must be from \(Int(limits.minTimeoutSeconds)) to \(Int(limits.maxTimeoutSeconds)) seconds, not \(timeout)")
            }
            settings.timeoutSeconds = timeout
        }
        if let concurrency = deploy.concurrency {
            guard (1...limits.maxConcurrency).contains(concurrency) else {
                throw ServiceHTTPError.invalid("concurrency must be from 1 to \(limits.maxConcurrency), not \(concurrency)")
            }
            settings.concurrency = concurrency
        }
        if let environment = deploy.environment {
            for (key, value) in environment {
                guard !key.isEmpty, key.utf8.count <= 256, !key.contains("="), !key.utf8.contains(0), !value.utf8.contains(0),
                    value.utf8.count <= 4096
                else {
                    throw ServiceHTTPError.invalid("env: \(String(reflecting: key)) is not a usable variable (a name without '=' or NUL, values up to 4 KiB)")
                }
            }
            settings.environment = environment
        }
        if let runtime = deploy.runtime {
            guard let value = FunctionRuntime(rawValue: runtime) else {
                throw ServiceHTTPError.invalid("runtime must be runc or runsc, not \(String(reflecting: runtime))")
            }
            settings.runtime = value
        }
        let handler = deploy.handler ?? "entrypoint"
        guard Self.isValidHandler(handler) else {
            throw ServiceHTTPError.invalid("handler must be a Python name, or module.function, not \(String(reflecting: handler))")
        }
        return NewFunctionVersion(code: .source(code), handler: handler, settings: settings, description: deploy.description ?? "")
    }

    static func isValidHandler(_ handler: String) -> Bool {
        let parts = handler.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.count <= 8 && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
            return part.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) } && part.count <= 128
        }
    }

    private func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let limit = try request.uri.queryParameters.get("limit").map { text -> Int in
            guard let value = Int(text), (1...1000).contains(value) else { throw ServiceHTTPError.invalid("limit must be from 1 to 1000") }
            return value
        } ?? 100
        let page = try await store.listFunctions(limit: limit, after: request.uri.queryParameters.get("marker"))
        return json(FunctionList(functions: page.functions.map(\.body), nextMarker: page.nextMarker))
    }

    private func get(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        return json(try await store.function(named: try functionName(context)).body)
    }

    private func versions(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        return json(VersionList(versions: try await store.versions(of: try functionName(context)).map(\.body)))
    }

    private func delete(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let name = try functionName(context)
        let deleted = try await store.deleteFunction(named: name)
        catalog.deleted(name)
        // Its containers go: their runners serve no version that can be called any more.
        dispatcher.removeRunners { $0?.name == deleted.name }
        return Response(status: .noContent)
    }
}

func requireAdmin(_ context: ServiceRequestContext) throws {
    guard context.caller?.isAdmin == true else {
        throw ServiceHTTPError.forbidden("this needs an admin key; \(context.caller?.keyName ?? "this key") may only invoke")
    }
}

func functionName(_ context: ServiceRequestContext) throws -> String {
    let name = context.parameters.get("name") ?? ""
    guard FunctionNameRule.isValid(name) else {
        throw ServiceHTTPError.invalid("\(String(reflecting: name)) is not a function name: use 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit")
    }
    return name
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: WireJSON.buffer(value)))
}
