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
    let deployer: FunctionDeployer
    /// Flushed before the counts of a function's invocations are read.
    let recorder: InvocationRecorder
    let limits: ServiceConfiguration.Limits

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.put("/v1/functions/{name}") { request, context in try await deploy(request, context) }
        router.get("/v1/functions") { request, context in try await list(request, context) }
        router.get("/v1/functions/{name}") { _, context in try await get(context) }
        // Off the event loop: it reads and encodes every version.
        router.get("/v1/functions/{name}/versions") { _, context in try await offLoop { try await versions(context) } }
        router.delete("/v1/functions/{name}") { _, context in try await delete(context) }
    }

    private func deploy(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let name = try functionName(context)
        let draft = try await Self.draft(from: request, limits: limits)
        let created = try await deployer.deploy(draft, as: name)
        return Response(
            status: created.isNewFunction ? .created : .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: WireJSON.buffer(created.version.body)))
    }

    /// A deploy's body: JSON (`code`, or `zip` in base64), or a zip with `Content-Type: application/zip`
    /// and its settings in the query string (`env` repeated as `KEY=VALUE`).
    static func draft(from request: Request, limits: ServiceConfiguration.Limits) async throws -> FunctionDeployer.Draft {
        var body = try await request.body.collect(upTo: limits.maxDeployBytes)
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        if contentType == "application/zip" || contentType == "application/octet-stream" {
            let query = request.uri.queryParameters
            let known = DeployRequest.queryFieldNames
            if let unknown = query.first(where: { !known.contains(String($0.key)) }) {
                throw ServiceHTTPError.invalid(
                    "unknown query parameter \(String(reflecting: String(unknown.key))); a zip body's settings are \(known.joined(separator: ", "))")
            }
            func number<T: LosslessStringConvertible>(_ key: String, as: T.Type) throws -> T? {
                guard let text = query.get(key) else { return nil }
                guard let value = T(text) else { throw ServiceHTTPError.invalid("\(key) must be a number, not \(String(reflecting: text))") }
                return value
            }
            var environment: [String: String]?
            for pair in query.getAll("env") {
                guard let equals = pair.firstIndex(of: "=") else {
                    throw ServiceHTTPError.invalid("env must be given as env=KEY=VALUE, not \(String(reflecting: pair))")
                }
                environment = environment ?? [:]
                environment?[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            let deploy = DeployRequest(
                handler: query.get("handler"), memoryMB: try number("memory_mb", as: Int.self),
                timeoutSeconds: try number("timeout_s", as: Double.self), concurrency: try number("concurrency", as: Int.self),
                environment: environment, runtime: query.get("runtime"), description: query.get("description"))
            return try draft(deploy, zip: body.readBytes(length: body.readableBytes) ?? [], limits: limits)
        }
        // Settings in the query string of a JSON deploy would be dropped, and the version deployed
        // without them.
        if let stray = request.uri.queryParameters.first {
            throw ServiceHTTPError.invalid(
                "a JSON deploy takes its settings in the body; the query string (\(String(reflecting: String(stray.key))), ...) is for a zip body (Content-Type: application/zip)")
        }
        let deploy: DeployRequest
        do {
            deploy = try KnownFields.decode(DeployRequest.self, from: body)
        } catch let error as ServiceHTTPError {
            throw error
        } catch {
            let reason = (error as? DecodingError).map(RequestBodyError.describe) ?? "\(error)"
            throw ServiceHTTPError.invalid(
                "the body must be a JSON object such as {\"code\": \"def entrypoint(data): ...\"} or {\"zip\": \"<base64>\"}, or a zip with Content-Type: application/zip (\(reason))")
        }
        var zip: [UInt8]?
        if let encoded = deploy.zip {
            guard let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else { throw ServiceHTTPError.invalid("\"zip\" is not base64") }
            zip = Array(bytes)
        }
        return try draft(deploy, zip: zip, limits: limits)
    }

    /// Checks every setting against the service's limits, with a message that names it.
    static func draft(_ deploy: DeployRequest, zip: [UInt8]?, limits: ServiceConfiguration.Limits) throws -> FunctionDeployer.Draft {
        let code: FunctionCode
        switch (deploy.code, zip) {
        case (let source?, nil):
            guard source.utf8.count <= limits.maxSourceBytes else {
                throw ServiceHTTPError(
                    .contentTooLarge, type: ServiceErrorType.payloadTooLarge,
                    detail: "\"code\" is larger than \(limits.maxSourceBytes) bytes; a larger function goes as a \"zip\" package")
            }
            code = .source(source)
        case (nil, let bytes?):
            code = .zipPackage(bytes)
        case (nil, nil):
            throw ServiceHTTPError.invalid(
                "no code: give the function as \"code\" (Python source defining entrypoint(data)) or as \"zip\" (a package, base64)")
        case (.some, .some):
            throw ServiceHTTPError.invalid(
                "give the function as \"code\" (Python source defining entrypoint(data)) or as \"zip\" (a package, base64), not both")
        }
        let input = FunctionSettingsInput(
            memoryMB: deploy.memoryMB, timeoutSeconds: deploy.timeoutSeconds, concurrency: deploy.concurrency,
            environment: deploy.environment, runtime: deploy.runtime)
        return FunctionDeployer.Draft(
            code: code, handler: deploy.handler, requirements: deploy.requirements,
            settings: try input.checked(against: limits, names: .native), description: deploy.description ?? "")
    }

    private func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let limit = try listLimit(request, default: 100)
        let page = try await store.listFunctions(limit: limit, after: request.uri.queryParameters.get("marker"))
        return json(FunctionList(functions: page.functions.map(\.body), nextMarker: page.nextMarker))
    }

    private func get(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        let name = try functionName(context)
        await recorder.flush()
        return json(try await store.function(named: name).body)
    }

    private func versions(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        return json(VersionList(versions: try await store.versions(of: try functionName(context)).map(\.body)))
    }

    private func delete(_ context: ServiceRequestContext) async throws -> Response {
        try requireAdmin(context)
        try await deployer.undeploy(try functionName(context))
        return Response(status: .noContent)
    }
}

func requireAdmin(_ context: ServiceRequestContext) throws {
    guard context.caller?.isAdmin == true else {
        throw ServiceHTTPError.forbidden("this needs an admin key; \(context.caller?.keyName ?? "this key") may only invoke")
    }
}

func functionName(_ context: ServiceRequestContext) throws -> String {
    let name = context.pathParameter("name")
    guard FunctionNameRule.isValid(name) else {
        throw ServiceHTTPError.invalid("\(String(reflecting: name)) is not a function name: use 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit")
    }
    return name
}

/// `?limit=N` of a list: from 1 to the registry's largest page.
func listLimit(_ request: Request, default: Int) throws(ServiceHTTPError) -> Int {
    guard let text = request.uri.queryParameters.get("limit") else { return `default` }
    let largest = RegistryLimits().maxListLimit
    guard let value = Int(text), (1...largest).contains(value) else { throw .invalid("limit must be from 1 to \(largest), not \(String(reflecting: text))") }
    return value
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: WireJSON.buffer(value)))
}
