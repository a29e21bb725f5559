/// The limits a function package is held to before anything is started. AWS Lambda's zip limits are
/// the model: 50 MiB packed, 250 MiB unpacked for code and dependencies together.
public struct PackageLimits: Sendable, Equatable {
    /// The zip as stored (or as a directory zips to).
    public var maxPackedBytes = 50 << 20
    /// What the code unpacks to; `FunctionPackage.checkTotalSize(dependencyBytes:limits:)` holds code plus its
    /// dependency set to the same figure.
    public var maxUnpackedBytes: Int64 = 250 << 20
    /// Files and directories together. Many small files cost more to extract and mount than their
    /// bytes suggest, so they are limited on their own.
    public var maxFileCount = 10_000
    /// A `requirements.txt` larger than this is refused (real ones are a few hundred bytes).
    public var maxRequirementsBytes = 1 << 20

    public init() {}

    /// Longest path inside a package, in UTF-8 bytes; each component is also held to `NAME_MAX`.
    public static let maxPathBytes = 1024
    public static let maxComponentBytes = 255
    /// Names in a path at most (directories and the file): as deep as the dispatcher copies a
    /// package into a runner's task directory (`PackageLinker`), so that a deeper one is refused
    /// here, as the package's fault, and every stored package that ran before still does.
    public static let maxPathComponents = 32
}
