import FunctionRegistry
import HTTPTypes
import Hummingbird
import LambdaProtocol
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Lambda API's function management (version 2015-03-31), over the same registry as the native
/// API: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode,
/// UpdateFunctionConfiguration, PublishVersion, ListVersionsByFunction and DeleteFunction.
///
/// Lambda's `$LATEST` is the newest version; every update makes a new immutable version, as with the
/// native API, and PublishVersion marks the newest one published under its own number. A `Qualifier`
/// names a published version; DeleteFunction with one unpublishes that version.
struct LambdaFunctionRoutes {
    let store: any FunctionStore
    let deployer: FunctionDeployer
    let limits: ServiceConfiguration.Limits
    let region: String

    static let fieldNames = FunctionSettingsInput.FieldNames(
        memory: "MemorySize", timeout: "Timeout", concurrency: "ReservedConcurrentExecutions",
        environment: "Environment.Variables", runtime: "Runtime")

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.post("/functions") { _, context in try await create(context) }
        router.get("/functions") { request, context in try await list(request, context) }
        router.get("/functions/{name}") { request, context in try await get(request, context) }
        router.get("/functions/{name}/configuration") { request, context in try await configuration(request, context) }
        router.put("/functions/{name}/code") { _, context in try await updateCode(context) }
        router.put("/functions/{name}/configuration") { _, context in try await updateConfiguration(context) }
        router.post("/functions/{name}/versions") { _, context in try await publish(context) }
        // Off the event loop: it reads and encodes every version.
        router.get("/functions/{name}/versions") { request, context in try await offLoop { try await versions(request, context) } }
        router.delete("/functions/{name}") { request, context in try await delete(request, context) }
    }

    // MARK: Operations

    private func create(_ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let body = try decodeLambdaBody(LambdaCreateFunctionRequest.self, context)
        let name = try LambdaFunctionName(rawComponent: Substring(body.functionName), qualifier: nil, creating: true)
        guard name.qualifier == nil else { throw LambdaError.invalid("FunctionName must not carry a qualifier") }
        try Self.checkRuntime(body.runtime)
        try Self.checkEnvironment(body.environment?.variables)
        let zip = try Self.zip(body.code.zipFile, field: "Code.ZipFile", otherSources: body.code.s3Bucket != nil || body.code.imageUri != nil)
        let settings = try FunctionSettingsInput(
            memoryMB: body.memorySize, timeoutSeconds: body.timeout.map(Double.init), environment: body.environment?.variables
        ).checked(against: limits, names: Self.fieldNames)
        let created = try await deployer.deploy(
            FunctionDeployer.Draft(
                code: .zipPackage(zip), handler: body.handler ?? "lambda_function.lambda_handler", settings: settings,
                description: body.description ?? "", publish: body.publish ?? false, createsFunction: true),
            as: name.name)
        return json(LambdaFunctionConfiguration(created.version, qualified: body.publish ?? false, region: region), status: .created)
    }

    private func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let query = request.uri.queryParameters
        let page = try await store.listFunctions(limit: try Self.maxItems(query.get("MaxItems")), after: query.get("Marker"))
        return json(
            LambdaListFunctionsResponse(
                functions: page.functions.map { LambdaFunctionConfiguration($0.latest, qualified: false, region: region) },
                nextMarker: page.nextMarker))
    }

    private func get(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let (version, qualified) = try await resolve(request, context)
        return json(
            LambdaGetFunctionResponse(
                configuration: LambdaFunctionConfiguration(version, qualified: qualified, region: region),
                code: .init(repositoryType: "S3", location: "")))
    }

    private func configuration(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let (version, qualified) = try await resolve(request, context)
        return json(LambdaFunctionConfiguration(version, qualified: qualified, region: region))
    }

    private func updateCode(_ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let name = try unqualifiedName(context)
        let body = try decodeLambdaBody(LambdaUpdateCodeRequest.self, context)
        let zip = try Self.zip(body.zipFile, field: "ZipFile", otherSources: body.s3Bucket != nil || body.imageUri != nil)
        let latest = try await store.version(of: name, number: nil)
        let draft = FunctionDeployer.Draft(
            code: .zipPackage(zip), handler: latest.kind == .zipPackage ? latest.handler : nil, settings: latest.settings,
            description: latest.description, publish: body.publish ?? false)
        if body.dryRun == true {
            // Checked (the zip, its paths and handler), not deployed; unpacking is off the event loop.
            _ = try await offLoop { try FunctionDeployer.package(of: draft) }
            return json(LambdaFunctionConfiguration(latest, qualified: false, region: region))
        }
        let created = try await deployer.deploy(draft, as: name)
        return json(LambdaFunctionConfiguration(created.version, qualified: body.publish ?? false, region: region))
    }

    private func updateConfiguration(_ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let name = try unqualifiedName(context)
        let body = try decodeLambdaBody(LambdaUpdateConfigurationRequest.self, context)
        try Self.checkRuntime(body.runtime)
        try Self.checkEnvironment(body.environment?.variables)
        let latest = try await store.version(of: name, number: nil)
        let settings = try FunctionSettingsInput(
            memoryMB: body.memorySize, timeoutSeconds: body.timeout.map(Double.init), environment: body.environment?.variables
        ).checked(against: limits, names: Self.fieldNames, base: latest.settings)
        if settings == latest.settings, body.handler == nil || body.handler == latest.handler, body.description == nil || body.description == latest.description {
            // Nothing to change (the parameters PyLambda ignores aside): no new version, no runner.
            return json(LambdaFunctionConfiguration(latest, qualified: false, region: region))
        }
        // The stored package (up to 50 MiB) is read and copied off the event loop.
        let created = try await offLoop {
            try await deployer.deploy(
                FunctionDeployer.Draft(
                    code: try await store.code(of: latest), handler: body.handler ?? latest.handler,
                    requirements: latest.requirements ?? "", settings: settings, description: body.description ?? latest.description),
                as: name)
        }
        return json(LambdaFunctionConfiguration(created.version, qualified: false, region: region))
    }

    private func publish(_ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let version = try await store.publishLatestVersion(of: try unqualifiedName(context))
        return json(LambdaFunctionConfiguration(version, qualified: true, region: region), status: .created)
    }

    /// `$LATEST` first, then the published versions, oldest first (as Lambda lists them).
    private func versions(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let name = try unqualifiedName(context)
        let latest = try await store.version(of: name, number: nil)
        let published = try await store.versions(of: name, publishedOnly: true).reversed()
        let all = [LambdaFunctionConfiguration(latest, qualified: false, region: region)]
            + published.map { LambdaFunctionConfiguration($0, qualified: true, region: region) }
        let query = request.uri.queryParameters
        let start = try query.get("Marker").map { marker -> Int in
            guard let index = Int(marker), (0...all.count).contains(index) else { throw LambdaError.invalid("Marker \(marker) is not one this API gave") }
            return index
        } ?? 0
        let end = min(all.count, start + (try Self.maxItems(query.get("MaxItems"))))
        return json(LambdaListVersionsResponse(versions: Array(all[start..<end]), nextMarker: end < all.count ? String(end) : nil))
    }

    private func delete(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try requireLambdaAdmin(context)
        let name = try LambdaFunctionName(rawComponent: rawName(context), qualifier: request.uri.queryParameters.get("Qualifier"))
        guard let qualifier = name.qualifier else {
            try await deployer.undeploy(name.name)
            return Response(status: .noContent)
        }
        // A qualifier deletes that published version only, as on Lambda; never the function.
        guard qualifier != "$LATEST", let number = try name.versionNumber() else {
            throw LambdaError.invalid("$LATEST version cannot be deleted without deleting the function.")
        }
        // A version that is not published (or never was) is answered as deleted, as Lambda does.
        _ = try await store.unpublishVersion(of: name.name, number: number)
        return Response(status: .noContent)
    }

    // MARK: Helpers

    /// The version a `GET` names, and whether it was named by number.
    private func resolve(_ request: Request, _ context: ServiceRequestContext) async throws -> (FunctionVersion, Bool) {
        let name = try LambdaFunctionName(rawComponent: rawName(context), qualifier: request.uri.queryParameters.get("Qualifier"))
        let number = try name.versionNumber()
        let version = try await store.version(of: name.name, number: number)
        if number != nil, !version.published {
            throw LambdaError.notFound("Function not found: \(LambdaARN.function(name.name, region: region)):\(number ?? 0) (versions are found once published)")
        }
        return (version, number != nil)
    }

    private func unqualifiedName(_ context: ServiceRequestContext) throws -> String {
        let name = try LambdaFunctionName(rawComponent: rawName(context), qualifier: nil)
        guard name.qualifier == nil else { throw LambdaError.invalid("this operation takes the function's name without a qualifier") }
        return name.name
    }

    static func checkRuntime(_ runtime: String?) throws(LambdaError) {
        guard let runtime else { return }
        guard runtime.hasPrefix("python3") else {
            throw .invalid("Runtime \(runtime) is not supported: PyLambda runs Python functions, on \(LambdaFunctionConfiguration.runtime) (any python3.x is accepted)")
        }
    }

    /// The variables the runtime sets (and Lambda's other reserved ones): Lambda refuses them in a
    /// function's environment, where they would only hide the real value.
    static let reservedEnvironment: Set<String> = [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ]

    /// Lambda's pattern for a variable's name: `[a-zA-Z]([a-zA-Z0-9_])+`.
    static func isVariableName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        guard bytes.count >= 2, isLetter(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { isLetter($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") }
    }

    static func checkEnvironment(_ variables: [String: String]?) throws(LambdaError) {
        if let name = variables?.keys.sorted().first(where: { !isVariableName($0) }) {
            throw .invalid(
                "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+] (\(String(reflecting: name)))")
        }
        let reserved = (variables?.keys).map { $0.filter(reservedEnvironment.contains).sorted() } ?? []
        guard reserved.isEmpty else {
            throw .invalid(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: \(reserved.joined(separator: ","))")
        }
    }

    static func zip(_ base64: String?, field: String, otherSources: Bool) throws(LambdaError) -> [UInt8] {
        guard let base64 else {
            throw .invalid(otherSources ? "PyLambda takes code as \(field) only (no S3 or container images)" : "\(field) is required")
        }
        guard let bytes = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else { throw .invalid("ZipFile is not base64") }
        return Array(bytes)
    }

    static func maxItems(_ text: String?) throws(LambdaError) -> Int {
        guard let text else { return 50 }
        guard let value = Int(text), (1...10_000).contains(value) else { throw .invalid("MaxItems must be from 1 to 10000, not \(text)") }
        // Lambda allows 10000; a page here has at most the registry's largest, with a NextMarker.
        return min(value, RegistryLimits().maxListLimit)
    }
}

/// `{FunctionName}` as the client sent it.
func rawName(_ context: ServiceRequestContext) -> Substring {
    Substring(context.parameters.get("name") ?? "")
}

func requireLambdaAdmin(_ context: ServiceRequestContext) throws(LambdaError) {
    guard context.caller?.isAdmin == true else {
        throw LambdaError(
            status: .forbidden, type: LambdaAPI.ErrorType.accessDenied,
            message: "the key \(context.caller?.keyName ?? "") may only invoke functions; this needs an admin key")
    }
}

/// A Lambda request's JSON body. A `DecodingError` is answered by `LambdaErrorMiddleware`, naming the
/// field (`RequestBodyError.describe`).
func decodeLambdaBody<T: Decodable>(_ type: T.Type, _ context: ServiceRequestContext) throws -> T {
    try JSONDecoder().decode(T.self, from: context.lambdaBody)
}
