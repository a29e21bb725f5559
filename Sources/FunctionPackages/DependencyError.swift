/// Why a dependency set could not be made or used. Each names the requirement, the set or the
/// limit involved; tool failures carry the tool's own last words.
public enum DependencyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No index knows a package of this name.
    case packageNotFound(name: String)
    /// The package exists but has no wheel for the runner (only an sdist, or wheels for other
    /// Pythons or platforms), and nothing is ever built from source.
    case noCompatibleWheel(name: String, target: String)
    /// pip cannot tell the two cases above apart: no wheel of that name for the target on the index.
    case noMatchingDistribution(name: String, target: String)
    /// The version resolved for a requirement pinned with `--hash` has none of those hashes.
    case hashMismatch(name: String, requirement: String)
    /// Some requirements give hashes, but these projects they install have none.
    case hashesMissing(names: [String])
    /// The requirements carry index options or direct URL references, and
    /// `allowIndexOptionsInRequirements` is off.
    case indexOptionsNotAllowed(options: [String])
    /// The resolver failed for another reason (conflicting versions, an index that failed, ...).
    case resolutionFailed(tool: String, output: String)
    case installFailed(tool: String, exitCode: Int32, output: String)
    /// Neither uv nor pip could be found or started.
    case installerUnavailable(String)
    case setTooLarge(key: DependencySetKey, bytes: Int64, limit: Int64)
    case tooManyFiles(key: DependencySetKey, count: Int, limit: Int)
    /// A wheel the tool installed is not for the runner: caught after the fact, never used.
    case incompatibleWheel(distribution: String, tags: [String], target: String)
    /// The tool left something a set may not hold (a symlink, a device).
    case unsafeEntry(path: String, reason: String)
    case timedOut(tool: String, seconds: Int64)
    /// The store directory is missing, a symlink, or open to other users.
    case unusableStore(path: String, reason: String)
    case fileSystem(FileSystemError)
    case cancelled

    /// Whether the requirements are at fault (a name, pin, hash or wheel that is not there, or a
    /// set too large), rather than the host (no installer, an unusable store, a file system error):
    /// the caller's to fix, a 400 from serve and exit status 2 from `pylambda run`.
    public var isTheRequirementsFault: Bool {
        switch self {
        case .installerUnavailable, .unusableStore, .fileSystem, .cancelled: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .packageNotFound(let name):
            return "the package \(name) was not found on the package index (check its name, or the index settings)"
        case .noCompatibleWheel(let name, let target):
            return "\(name) has no wheel for \(target) (only a source distribution, or wheels for other platforms); packages are never built from source on the host"
        case .noMatchingDistribution(let name, let target):
            return "no wheel of \(name) for \(target) on the index (unknown package, or no wheel for this platform; nothing is built from source)"
        case .hashesMissing(let names):
            return "the requirements give hashes for some projects but not for \(names.joined(separator: ", ")), which they install too: as in pip's hash-checking mode, give every project installed with its version and hashes (uv pip compile --generate-hashes writes them all)"
        case .hashMismatch(let name, let requirement):
            return "\(name): the requirements pin it with --hash, but \(requirement) has none of those hashes"
        case .indexOptionsNotAllowed(let options):
            return "index options and URLs in requirements are not accepted here (\(options.joined(separator: "; "))); name packages from the index, whose settings are the host's"
        case .resolutionFailed(let tool, let output):
            return "\(tool) could not resolve the requirements:\n\(output)"
        case .installFailed(let tool, let exitCode, let output):
            return "\(tool) failed with exit code \(exitCode):\n\(output)"
        case .installerUnavailable(let reason):
            return "cannot install dependencies: \(reason) (install uv with `pip install uv`, or set DependencyStoreConfiguration.installer)"
        case .setTooLarge(let key, let bytes, let limit):
            return "the dependency set \(key.short) is \(bytes) bytes installed, over the limit of \(limit) bytes (\(PackageError.mebibytes(limit))) (DependencyStoreConfiguration.maxSetBytes)"
        case .tooManyFiles(let key, let count, let limit):
            return "the dependency set \(key.short) has \(count) files, over the limit of \(limit) (DependencyStoreConfiguration.maxSetFiles)"
        case .incompatibleWheel(let distribution, let tags, let target):
            return "\(distribution) was installed from a wheel tagged \(tags.joined(separator: ", ")), which does not run on \(target); the set was discarded"
        case .unsafeEntry(let path, let reason):
            return "the installed set was discarded: \(path): \(reason)"
        case .timedOut(let tool, let seconds):
            return "\(tool) did not finish within \(seconds) s (DependencyStoreConfiguration.installTimeout)"
        case .unusableStore(let path, let reason):
            return "the dependency store \(path) cannot be used: \(reason)"
        case .fileSystem(let error):
            return error.description
        case .cancelled:
            return "the installation was cancelled"
        }
    }
}
