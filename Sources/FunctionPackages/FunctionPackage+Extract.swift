#if canImport(Glibc)
import Glibc
#endif

extension FunctionPackage {
    /// Writes the package's files under `directory` as a read-only tree: files 0444, directories
    /// 0555 (the directory itself too). `directory` must be an empty real directory, or not exist
    /// yet (its parent must). Every file and directory is created relative to an open directory
    /// with `O_NOFOLLOW`/`O_EXCL`, so nothing is written through a symbolic link or outside
    /// `directory`. On failure what was written is removed again.
    public func extract(to directory: String) throws(PackageError) {
        var created = false
        if mkdir(directory, 0o700) == 0 {
            created = true
        } else if errno != EEXIST {
            throw .extractionTargetUnusable(path: directory, reason: SystemError.message(errno))
        }
        let root: OpenDirectory
        do { root = try OpenDirectory(path: directory) } catch {
            let reason = error.code == ELOOP || error.code == ENOTDIR ? "it is not a directory (or is a symbolic link)" : SystemError.message(error.code)
            throw .extractionTargetUnusable(path: directory, reason: reason)
        }
        let existing: [OpenDirectory.Entry]
        do { existing = try root.entries() } catch { throw .fileSystem(error) }
        guard existing.isEmpty else { throw .extractionTargetUnusable(path: directory, reason: "it is not empty") }
        do {
            try writeFiles(into: root)
        } catch {
            for entry in (try? root.entries()) ?? [] { try? root.removeTree(entry.rawName) }
            if created { rmdir(directory) }
            throw error
        }
    }

    private func writeFiles(into root: OpenDirectory) throws(PackageError) {
        // Files come sorted by path bytes, so everything under one directory is contiguous: a stack
        // of open directories follows the current file's parent, and a directory left behind is
        // finished (made read-only) for good.
        var stack: [(name: String, directory: OpenDirectory)] = []
        func current() -> OpenDirectory { stack.last?.directory ?? root }
        func pop() throws(PackageError) {
            let finished = stack.removeLast().directory
            do { try finished.setMode(0o555) } catch { throw .fileSystem(error) }
        }
        var budget = unpackedBytes
        for index in entryIndices {
            let entry = archive.entries[index]
            let parents = Array(entry.path.components.dropLast())
            var shared = 0
            while shared < min(parents.count, stack.count), stack[shared].name == parents[shared] { shared += 1 }
            while stack.count > shared { try pop() }
            for name in parents[shared...] {
                do throws(FileSystemError) {
                    let parent = current()
                    if mkdirat(parent.fd, name, 0o700) != 0 && errno != EEXIST {
                        throw FileSystemError(path: parent.path + "/" + name, operation: "create directory")
                    }
                    stack.append((name, try OpenDirectory(in: parent, name: name)))
                } catch { throw .fileSystem(error) }
            }
            let parent = current()
            let name = entry.path.components.last!
            let fd: Int32
            do { fd = try parent.openFile(name, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600) } catch { throw .fileSystem(error) }
            defer { close(fd) }
            let shown = parent.path + "/" + name
            try archive.read(entry, budget: &budget, limit: unpackedBytes) { (chunk) throws(PackageError) in
                do throws(FileSystemError) { try writeAll(fd, chunk, path: shown) } catch { throw .fileSystem(error) }
            }
            guard fchmod(fd, 0o444) == 0 else { throw .fileSystem(FileSystemError(path: shown, operation: "chmod")) }
        }
        while !stack.isEmpty { try pop() }
        do { try root.setMode(0o555) } catch { throw .fileSystem(error) }
    }
}
