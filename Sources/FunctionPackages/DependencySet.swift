#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A finished, read-only dependency set in the store.
public struct DependencySet: Sendable, Hashable {
    public let key: DependencySetKey
    /// `STORE/<key>`: the set with its metadata. Mount `sitePackages`, not this.
    public let directory: String
    public let metadata: DependencySetMetadata

    /// The directory to put on `sys.path` (mounted read-only into the function's container).
    public var sitePackages: String { directory + "/" + DependencySetLayout.sitePackages }
    /// The pinned result: exact versions and the hashes of the wheels installed.
    public var lockFile: String { directory + "/" + DependencySetLayout.lock }
}

/// What the store keeps beside each set as `metadata.json`.
public struct DependencySetMetadata: Sendable, Hashable, Codable {
    public let key: DependencySetKey
    public let created: Date
    /// Installed bytes (regular files, bytecode included).
    public let sizeBytes: Int64
    public let fileCount: Int
    /// `uv 0.13.9` or `pip 23.2.1`.
    public let tool: String
    public let pythonTag: String
    public let platformTag: String
    /// The normalised requirements the key was made from.
    public let requirements: String
    /// `name==version` of every distribution installed, sorted.
    public let installed: [String]
    public let bytecodeCompiled: Bool
}

/// One row of `pylambda deps ls`.
public struct DependencySetInfo: Sendable, Hashable {
    public let set: DependencySet
    /// When `set(for:)` last handed the set out (its creation if never).
    public let lastUsed: Date
}

/// Names inside the store and inside a set.
enum DependencySetLayout {
    static let sitePackages = "site-packages"
    static let lock = "requirements.lock"
    static let requirements = "requirements.txt"
    static let metadata = "metadata.json"
    /// In-progress installs, `<key>.<random>`; renamed into place when finished.
    static let staging = ".staging"
    static let locks = ".locks"
    /// `<key>` files whose modification time is the set's last use.
    static let used = ".used"
    /// Sets being removed: renamed here first, so no reader ever sees half a set.
    static let trash = ".trash"
    static let cache = ".cache"
}
