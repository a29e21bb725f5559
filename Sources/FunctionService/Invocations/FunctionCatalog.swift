import Dispatcher
import FunctionPackages
import FunctionRegistry
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a call of a function runs: its version resolved, and that version's `FunctionDefinition` made
/// once (its code read from the registry and hashed once), so that a warm call costs no query and no
/// hashing. A package's definition is made by extracting it once and installing its dependency set
/// if it is not there (both are rebuilt from the registry after a wipe of the state directory).
///
/// Versions are immutable, so their definitions are cached for good (up to a bound). Which version is
/// the latest is cached while the registry's `changes` say it may be: a deploy or a delete, through
/// this process or (once its notification arrives) another one sharing PostgreSQL, makes it stale,
/// and the next call reads it again (`RegistryChangeFeed`).
final class FunctionCatalog: Sendable {
    let store: any FunctionStore
    let defaults: FunctionConfiguration
    let region: String
    let preparer: PackagePreparer
    private let latest = Mutex<[String: (version: FunctionVersion, mark: RegistryChangeFeed.Mark)]>([:])
    private let definitions = Mutex<[VersionKey: FunctionDefinition]>([:])
    private static let maxDefinitions = 512
    /// When each dependency set was last marked used: a call through the cache marks its set at most
    /// hourly, so that `pylambda deps gc --unused-for` never takes a set that serves calls.
    private let setsMarkedUsed = Mutex<[String: ContinuousClock.Instant]>([:])
    private static let markUsedEvery: Duration = .seconds(3600)

    struct VersionKey: Hashable {
        var functionID: Int64
        var version: Int
        var pinned: Bool
    }

    init(store: any FunctionStore, defaults: FunctionConfiguration, region: String, preparer: PackagePreparer) {
        self.store = store
        self.preparer = preparer
        self.defaults = defaults
        self.region = region
    }

    /// The version a new call of `name` runs: `number`, or the latest.
    func version(of name: String, number: Int?) async throws -> FunctionVersion {
        guard number == nil else { return try await store.version(of: name, number: number) }
        if let cached = latest.withLock({ $0[name] }), store.changes.isCurrent(cached.mark) { return cached.version }
        // Marked before the read: a change heard while it runs makes what it read stale.
        let mark = store.changes.mark()
        let version = try await store.version(of: name, number: nil)
        if let mark { latest.withLock { $0[name] = (version, mark) } }
        return version
    }

    /// `pinned`: the call named this version (a Lambda qualifier, `?version=N`). As on Lambda, a
    /// handler's context (and `AWS_LAMBDA_FUNCTION_VERSION`) then says its number and the ARN ends
    /// in it; a call of the latest says `$LATEST` and has the function's ARN. Each is a function of
    /// its own to the dispatcher (their loads differ), with runners of its own.
    func definition(of version: FunctionVersion, pinned: Bool) async throws -> FunctionDefinition {
        let key = VersionKey(functionID: version.functionID, version: version.version, pinned: pinned)
        if let cached = definitions.withLock({ $0[key] }), isStillPrepared(cached) {
            markUsed(cached.dependencySet)
            return cached
        }
        // Off the event loop: the stored package is checked and unpacked again.
        let definition = try await offLoop {
            let code = try await store.code(of: version)
            return try await makeDefinition(
                version, pinned: pinned, package: try Self.package(code, handler: version.handler, requirements: version.requirements))
        }
        definitions.withLock { cache in
            if cache.count >= Self.maxDefinitions { cache.removeAll(keepingCapacity: true) }
            cache[key] = definition
        }
        return definition
    }

    private func markUsed(_ set: String?) {
        guard let set, let key = DependencySetKey(set) else { return }
        let now = ContinuousClock.now
        let due = setsMarkedUsed.withLock { marked in
            if let last = marked[set], now - last < Self.markUsedEvery { return false }
            marked[set] = now
            return true
        }
        if due { preparer.dependencies.markUsed(key) }
    }

    /// False once `pylambda deps gc` (or a person) removed the definition's dependency set or
    /// extracted package: it is prepared again rather than handed to a runner that cannot import it.
    private func isStillPrepared(_ definition: FunctionDefinition) -> Bool {
        if let set = definition.dependencySet, access(preparer.dependencies.configuration.directory + "/" + set, F_OK) != 0 {
            return false
        }
        if case .package(let directory, _) = definition.code, access(directory, F_OK) != 0 { return false }
        return true
    }

    /// A stored version's code as a checked package. Its requirements are the ones recorded at deploy
    /// (none recorded means none, even if the zip has a `requirements.txt` that was overridden).
    static func package(_ code: FunctionCode, handler: String, requirements: String?) throws -> FunctionPackage {
        let parsedHandler = try FunctionHandler(parsing: handler)
        let parsedRequirements = try Requirements(parsing: requirements ?? "")
        switch code {
        case .source(let source):
            return try FunctionPackage(
                source: Array(source.utf8), fileName: FunctionDeployer.sourceFileName, handler: parsedHandler,
                requirements: parsedRequirements)
        case .zipPackage(let bytes):
            return try FunctionPackage(zip: bytes, handler: parsedHandler, requirements: parsedRequirements)
        }
    }

    /// The definition `version` runs with: its package extracted and its dependency set installed.
    func makeDefinition(_ version: FunctionVersion, pinned: Bool, package: FunctionPackage) async throws -> FunctionDefinition {
        var configuration = defaults
        configuration.memoryBytes = version.settings.memoryBytes
        configuration.timeout = .milliseconds(Int64((version.settings.timeoutSeconds * 1000).rounded()))
        configuration.concurrency = version.settings.concurrency
        configuration.runtime = version.settings.runtime == .runsc ? .gvisor : .runc
        let arn = LambdaARN.function(version.functionName, region: region)
        let identity = FunctionIdentity(
            name: version.functionName, version: pinned ? String(version.version) : "$LATEST",
            invokedFunctionARN: pinned ? "\(arn):\(version.version)" : arn, deployment: String(version.version))
        let prepared = try await preparer.prepare(package)
        let code: FunctionDefinition.Code
        if let directory = prepared.directory {
            code = .package(directory: directory, digest: package.digest)
        } else {
            code = .source(package.source ?? "")
        }
        return FunctionDefinition(
            code: code, handler: prepared.handler, dependencySet: prepared.dependencySet?.key.rawValue,
            environment: version.settings.environment, configuration: configuration, identity: identity)
    }
}
