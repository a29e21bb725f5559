#if canImport(Glibc)
import Glibc
#endif

/// Gets a function ready to run: its package extracted (read-only, once per digest) and its
/// dependency set installed (once per requirements), checked together against the unpacked limit.
/// Nothing of the package runs on the host.
public struct PackagePreparer: Sendable {
    public let packages: PackageStore
    public let dependencies: DependencyStore
    public let limits: PackageLimits

    /// The stores under `directory`: `packages/` (host-only) and `deps/` (root mode 0711: runners'
    /// containers mount it read-only and reach a set by its key). The dispatcher must mount the same
    /// `deps/` (`DispatcherConfiguration.dependencyStoreDirectory`).
    /// `allowIndexOptionsInRequirements`: see `DependencyStoreConfiguration`; a service that takes
    /// requirements from callers turns it off.
    public init(directory: String, limits: PackageLimits = PackageLimits(), allowIndexOptionsInRequirements: Bool = true) {
        packages = PackageStore(directory: directory + "/packages")
        var configuration = DependencyStoreConfiguration(directory: Self.dependencyStoreDirectory(in: directory))
        configuration.rootMode = 0o711
        configuration.allowIndexOptionsInRequirements = allowIndexOptionsInRequirements
        dependencies = DependencyStore(configuration: configuration)
        self.limits = limits
    }

    public static func dependencyStoreDirectory(in directory: String) -> String { directory + "/deps" }

    /// Where `pylambda run` keeps what it prepares, across reboots: `/var/cache/pylambda` for root,
    /// else `$XDG_CACHE_HOME/pylambda`, else `~/.cache/pylambda`.
    public static var defaultCacheDirectory: String {
        if geteuid() == 0 { return "/var/cache/pylambda" }
        if let cache = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), cache.hasPrefix("/") { return cache + "/pylambda" }
        if let home = getenv("HOME").map({ String(cString: $0) }), home.hasPrefix("/") { return home + "/.cache/pylambda" }
        return "/tmp/pylambda-cache-\(geteuid())"
    }

    /// What a runner needs of a prepared function.
    public struct Prepared: Sendable {
        public let package: FunctionPackage
        /// The extracted package; nil for a single source file, which is sent as text.
        public let directory: String?
        public let dependencySet: DependencySet?

        /// The handler to give the runner: nil when it is the runner's own default for this kind.
        public var handler: String? {
            let handler = package.handler
            switch package.kind {
            case .singleFile: return handler == .singleFileDefault ? nil : handler.function
            default: return handler == .packageDefault ? nil : handler.description
            }
        }
    }

    public func prepare(_ package: FunctionPackage) async throws -> Prepared {
        var set: DependencySet?
        if let requirements = package.requirements, !requirements.isEmpty {
            set = try await dependencies.set(for: requirements)
            try package.checkTotalSize(dependencyBytes: set?.metadata.sizeBytes ?? 0, limits: limits)
        }
        let directory = package.kind == .singleFile ? nil : try packages.materialize(package)
        return Prepared(package: package, directory: directory, dependencySet: set)
    }
}
