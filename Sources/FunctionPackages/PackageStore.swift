#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Extracted packages by digest: `STORE/<digest>/` holds a package's files as a read-only tree, which
/// runners' task directories get hard links of (`PackageLinker`). A package is extracted once into
/// `.staging/` and renamed into place, so a tree is either complete or absent, and the same code
/// deployed again (or by another process) reuses it. The store is host-only (0700), like the
/// dependency store.
public struct PackageStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The directory holding `package`'s files, extracting them if this digest is not there yet.
    public func materialize(_ package: FunctionPackage) throws(PackageError) -> String {
        guard let store = try open(create: true) else { throw .extractionTargetUnusable(path: directory, reason: "it could not be created") }
        if let existing = existingTree(package.digest, in: store) { return existing }
        let staging = try stagingDirectory(store)
        let name = "\(package.digest).\(StoreDirectory.randomSuffix())"
        try package.extract(to: staging.path + "/" + name)
        do {
            try staging.move(name, to: store.root, as: package.digest)
        } catch {
            try? staging.removeTree(name)
            // Another process got there first with the same files.
            if error.code == EEXIST || error.code == ENOTEMPTY, let existing = existingTree(package.digest, in: store) { return existing }
            throw .fileSystem(error)
        }
        // Writable for the move (see OpenDirectory.move), read-only again from now on.
        do { try OpenDirectory(in: store.root, name: package.digest).setMode(0o555) } catch { throw .fileSystem(error) }
        return store.path + "/" + package.digest
    }

    /// The digests extracted here.
    public func list() throws(PackageError) -> [String] {
        guard let store = try open(create: false) else { return [] }
        do {
            return try store.root.entries().filter { $0.type == S_IFDIR && PackageDigest.isDigest($0.name) }.map(\.name).sorted()
        } catch { throw .fileSystem(error) }
    }

    /// Removes every tree whose digest is not in `keeping` and that was extracted before `cutoff`
    /// (any, when nil), each renamed out of sight first, so no reader finds half a tree; and what
    /// interrupted extractions left (as old, with a cutoff). Returns the digests removed. Call it
    /// when no extraction or linking of this process is running: one in progress would lose its
    /// files. The cutoff spares what another process has just extracted.
    @discardableResult
    public func garbageCollect(keeping: Set<String>, extractedBefore cutoff: Date? = nil) throws(PackageError) -> [String] {
        guard let store = try open(create: false) else { return [] }
        let staging = try stagingDirectory(store)
        let cutoffSeconds = cutoff.map { Int($0.timeIntervalSince1970) } ?? .max
        // The tree's own modification time is its extraction's: read-only since.
        func isOld(_ entry: OpenDirectory.Entry) -> Bool { entry.info.st_mtim.tv_sec < cutoffSeconds }
        var removed: [String] = []
        do throws(FileSystemError) {
            for entry in try store.root.entries() where !keeping.contains(entry.name) && PackageDigest.isDigest(entry.name) && isOld(entry) {
                try store.root.move(entry.rawName, to: staging, as: "\(entry.name).removed.\(StoreDirectory.randomSuffix())")
                removed.append(entry.name)
            }
            for entry in try staging.entries() where entry.name.contains(".removed.") || isOld(entry) {
                try staging.removeTree(entry.rawName)
            }
        } catch { throw .fileSystem(error) }
        return removed.sorted()
    }

    private func stagingDirectory(_ store: StoreDirectory) throws(PackageError) -> OpenDirectory {
        if mkdirat(store.root.fd, ".staging", 0o700) != 0 && errno != EEXIST {
            throw .fileSystem(FileSystemError(path: store.path + "/.staging", operation: "create directory"))
        }
        do { return try OpenDirectory(in: store.root, name: ".staging") } catch { throw .fileSystem(error) }
    }

    private func open(create: Bool) throws(PackageError) -> StoreDirectory? {
        do { return try StoreDirectory.open(directory, create: create) } catch {
            throw .extractionTargetUnusable(path: directory, reason: error.description)
        }
    }

    private func existingTree(_ digest: String, in store: StoreDirectory) -> String? {
        guard let info = store.root.status(digest), info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return store.path + "/" + digest
    }
}
