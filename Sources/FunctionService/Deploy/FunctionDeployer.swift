import Dispatcher
import FunctionPackages
import FunctionRegistry

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Makes new versions of functions, for the native API and the Lambda API alike: the code is checked
/// as a package (paths, limits, handler), its dependencies are installed, it is loaded in a runner,
/// and only then is the version stored. So a version that exists can run, and the runner that
/// checked it serves its first call.
struct FunctionDeployer: Sendable {
    let store: any FunctionStore
    let dispatcher: Dispatcher
    let catalog: FunctionCatalog
    let metrics: ServiceMetrics
    /// The registry's own limits, checked before any of the code runs.
    let registryLimits: RegistryLimits

    /// A single source file is this module, so that its handler can also be written `function.name`.
    static let sourceFileName = "function.py"

    /// What a deploy asks for; the settings are already checked against the service's limits.
    struct Draft: Sendable {
        var code: FunctionCode
        /// nil: `entrypoint` for a source file, `main.entrypoint` for a package.
        var handler: String?
        /// Replaces a package's `requirements.txt` when given.
        var requirements: String?
        var settings: FunctionSettings
        var description: String
        /// Marked published at once (Lambda's `Publish`).
        var publish = false
        /// Refused with `conflict` when a live function has the name (Lambda's CreateFunction).
        var createsFunction = false
    }

    /// Off the event loop: it checks, hashes and unpacks the package, and may install its dependencies.
    func deploy(_ draft: Draft, as name: String) async throws -> CreatedVersion {
        try await offLoop { try await deployOnCurrentExecutor(draft, as: name) }
    }

    private func deployOnCurrentExecutor(_ draft: Draft, as name: String) async throws -> CreatedVersion {
        let package = try Self.package(of: draft)
        let requirements = package.requirements?.normalizedText
        var new = NewFunctionVersion(
            code: draft.code, handler: package.handler.description, requirements: requirements, settings: draft.settings,
            description: draft.description)
        new.createsFunction = draft.createsFunction
        // Everything the registry would refuse is refused before the code runs anywhere.
        try FunctionName.validate(name)
        try registryLimits.check(new)
        // Checked as the next version, so that the runner it warms is the one its first call finds.
        let expected = try await nextVersionNumber(of: name, creating: draft.createsFunction)
        let preview = FunctionVersion(
            functionName: name, functionID: 0, version: expected, createdAt: Date(), codeSHA256: "", codeSize: 0,
            kind: draft.code.kind, handler: new.handler, dependencySetKey: nil, requirements: requirements,
            settings: draft.settings, description: draft.description, published: draft.publish)
        // As the latest (`$LATEST`), which is what a call that names no version runs.
        let definition = try await catalog.makeDefinition(preview, pinned: false, package: package)
        try await dispatcher.prepare(definition)
        new.dependencySetKey = definition.dependencySet
        var created: CreatedVersion
        do {
            created = try await store.createVersion(of: name, new)
        } catch {
            // The runner that checked it would serve a version that does not exist.
            dispatcher.removeRunners(of: definition)
            throw error
        }
        if draft.publish {
            created.version = try await store.publishLatestVersion(of: name)
        }
        return created
    }

    /// The number the next version will get; `conflict` if `creating` and the name is taken.
    private func nextVersionNumber(of name: String, creating: Bool) async throws -> Int {
        do {
            let existing = try await store.function(named: name)
            if creating { throw RegistryError.conflict("Function already exist: \(name)") }
            return existing.latest.version + 1
        } catch let error as RegistryError where error.isNotFound {
            return 1
        }
    }

    /// Deletes the function (its queued calls are cancelled) and removes its containers: they serve
    /// no version that can be called any more.
    func undeploy(_ name: String) async throws {
        let deleted = try await store.deleteFunction(named: name)
        metrics.forget(functionID: deleted.id)
        dispatcher.removeRunners { $0?.name == deleted.name }
    }

    /// The draft's code as a checked package; nothing of it runs.
    static func package(of draft: Draft) throws -> FunctionPackage {
        let handler = try draft.handler.map { (text) throws(PackageError) in try FunctionHandler(parsing: text) }
        let requirements = try draft.requirements.map { (text) throws(RequirementsError) in try Requirements(parsing: text) }
        switch draft.code {
        case .source(let source):
            return try FunctionPackage(
                source: Array(source.utf8), fileName: sourceFileName, handler: handler, requirements: requirements)
        case .zipPackage(let bytes):
            return try FunctionPackage(zip: bytes, handler: handler, requirements: requirements)
        }
    }
}
