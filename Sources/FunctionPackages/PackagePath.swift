#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A path inside a package, checked and normalised: relative, `/`-separated, no `.`, `..` or empty
/// components, Unicode NFC, no control characters or backslashes. Zip names and directory walks go
/// through the same rules so that the two give the same listing, and so that nothing a hostile zip
/// names can reach outside the directory it is extracted into.
struct PackagePath: Hashable, Comparable, Sendable {
    /// Normalised components, each a single file name.
    let components: [String]

    var string: String { components.joined(separator: "/") }
    /// The sort key of the canonical listing: plain UTF-8 bytes, not Swift's Unicode ordering.
    var bytes: [UInt8] { Array(string.utf8) }

    static func < (lhs: PackagePath, rhs: PackagePath) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Bytecode caches are left out wherever they come from: they were made by some other
    /// interpreter, and the package is read-only where it runs.
    var isExcluded: Bool { components.contains("__pycache__") }

    /// Parses a raw zip name. A trailing `/` marks a directory; the bare root (`./`, `/` alone is
    /// absolute and refused) yields an empty path.
    init(zipName raw: [UInt8]) throws(PackageError) {
        let shown = String(decoding: raw, as: UTF8.self)
        guard !raw.isEmpty else { throw .unsafePath(path: shown, reason: "the name is empty") }
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .unsafePath(path: shown, reason: "the name is not valid UTF-8")
        }
        try self.init(text, shown: shown)
    }

    /// Parses a name found on disk (one component at a time is joined by the caller).
    init(_ text: String, shown: String? = nil) throws(PackageError) {
        let shown = shown ?? text
        if text.utf8.contains(0) { throw .unsafePath(path: shown, reason: "the name contains a NUL byte") }
        if text.utf8.contains(UInt8(ascii: "\\")) {
            throw .unsafePath(path: shown, reason: "backslashes are not path separators here and are not allowed in names")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw .unsafePath(path: shown, reason: "the name contains a control character")
        }
        // Bytes, not Characters: a `/` followed by a combining mark is one Character to Swift but
        // still a separator to the kernel.
        let utf8 = Array(text.utf8)
        if utf8.first == UInt8(ascii: "/") { throw .unsafePath(path: shown, reason: "absolute paths are not allowed") }
        let raw = utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        if let first = raw.first, first.count >= 2, Self.isASCIILetter(first[first.startIndex]),
            first[first.startIndex + 1] == UInt8(ascii: ":")
        {
            throw .unsafePath(path: shown, reason: "drive letters are not allowed")
        }
        var components: [String] = []
        for component in raw {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                throw .unsafePath(path: shown, reason: "`..` would leave the package")
            }
            // ASCII is its own NFC; the mapping's first use costs a warm `pylambda run` about 1 ms.
            let text = String(decoding: component, as: UTF8.self)
            let normalised = component.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
            guard !normalised.utf8.contains(UInt8(ascii: "/")), normalised != "..", normalised != "." else {
                throw .unsafePath(path: shown, reason: "the name does not survive Unicode normalisation")
            }
            if normalised.utf8.count > PackageLimits.maxComponentBytes {
                throw .unsafePath(path: shown, reason: "a name is longer than \(PackageLimits.maxComponentBytes) bytes")
            }
            components.append(normalised)
        }
        self.components = components
        if components.count > PackageLimits.maxPathComponents {
            throw .unsafePath(path: shown, reason: "it is nested more than \(PackageLimits.maxPathComponents) levels deep")
        }
        if string.utf8.count > PackageLimits.maxPathBytes {
            throw .unsafePath(path: shown, reason: "the path is longer than \(PackageLimits.maxPathBytes) bytes")
        }
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    init(components: [String]) {
        self.components = components
    }

    var parent: PackagePath? {
        components.isEmpty ? nil : PackagePath(components: Array(components.dropLast()))
    }

    /// Every proper ancestor, nearest last: `a/b/c` gives `a`, `a/b`.
    var ancestors: [PackagePath] {
        guard components.count > 1 else { return [] }
        return (1..<components.count).map { PackagePath(components: Array(components.prefix($0))) }
    }
}
