/// One checked entry of a zip's central directory.
struct ZipEntry: Sendable {
    static let stored: UInt16 = 0
    static let deflated: UInt16 = 8

    let path: PackagePath
    /// The name as the zip spells it, for messages.
    let name: String
    let isDirectory: Bool
    let method: UInt16
    let crc32: UInt32
    let compressedSize: Int
    /// As declared; reading checks the real size against it.
    let uncompressedSize: Int64
    let localHeaderOffset: Int
    let dataOffset: Int
}
