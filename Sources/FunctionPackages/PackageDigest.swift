import Crypto

/// The content digest of a package: SHA-256 over a canonical listing, one line per file sorted by
/// path bytes, `path NUL size NUL sha256-hex LF`, after a version line. Paths cannot contain NUL
/// or LF, so the listing is unambiguous. Directory entries, timestamps, modes, compression and
/// entry order do not enter it, so a directory and any zip of the same files agree.
enum PackageDigest {
    static let version = "pylambda-package-v1\n"

    static func digest(of files: [PackageFile]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(version.utf8))
        for file in files.sorted(by: { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }) {
            hasher.update(data: Array("\(file.path)\0\(file.size)\0\(file.sha256)\n".utf8))
        }
        return hex(hasher.finalize())
    }

    /// 64 lower-case hex digits (a SHA-256): the only names the package store treats as trees, and
    /// the only dependency set keys.
    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
