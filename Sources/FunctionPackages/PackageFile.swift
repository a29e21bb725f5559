/// One file of a package, as the canonical listing has it.
public struct PackageFile: Sendable, Hashable {
    /// Relative, `/`-separated, NFC.
    public let path: String
    public let size: Int64
    /// Hex SHA-256 of the contents.
    public let sha256: String
}
