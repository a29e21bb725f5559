#if canImport(Glibc)
import Glibc
#endif

/// Checks what a tool installed before it becomes a set, without taking the tool's word for
/// anything: only regular files and directories (no symlinks, no hard links shared with the cache
/// or anything else), the size and file limits, and every wheel's tags against the runner. Then,
/// when asked, makes the tree read-only (files 0444, directories 0555).
struct SetInspector {
    let key: DependencySetKey
    let target: PythonTarget
    let maxBytes: Int64
    let maxFiles: Int

    struct Summary {
        var bytes: Int64 = 0
        var files = 0
        /// `name==version` of each `*.dist-info`, sorted.
        var distributions: [String] = []
    }

    func inspect(_ path: String, makeReadOnly: Bool) throws(DependencyError) -> Summary {
        var summary = Summary()
        let root: OpenDirectory
        do { root = try OpenDirectory(path: path) } catch { throw .fileSystem(error) }
        try visit(root, prefix: "", summary: &summary, makeReadOnly: makeReadOnly)
        if makeReadOnly {
            do { try root.setMode(0o555) } catch { throw .fileSystem(error) }
        }
        summary.distributions.sort()
        return summary
    }

    private func visit(
        _ directory: OpenDirectory, prefix: String, summary: inout Summary, makeReadOnly: Bool
    ) throws(DependencyError) {
        let entries: [OpenDirectory.Entry]
        do { entries = try directory.entries() } catch { throw .fileSystem(error) }
        for entry in entries {
            let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
            switch entry.type {
            case S_IFDIR:
                let child: OpenDirectory
                do { child = try OpenDirectory(in: directory, entry.rawName) } catch { throw .fileSystem(error) }
                if prefix.isEmpty && entry.name.hasSuffix(".dist-info") {
                    summary.distributions.append(try checkWheel(child, name: entry.name))
                }
                try visit(child, prefix: relative, summary: &summary, makeReadOnly: makeReadOnly)
                if makeReadOnly {
                    do { try child.setMode(0o555) } catch { throw .fileSystem(error) }
                }
            case S_IFREG:
                guard entry.info.st_nlink == 1 else {
                    throw .unsafeEntry(path: relative, reason: "it is a hard link shared with another file")
                }
                summary.files += 1
                summary.bytes += Int64(entry.info.st_size)
                guard summary.bytes <= maxBytes else { throw .setTooLarge(key: key, bytes: summary.bytes, limit: maxBytes) }
                guard summary.files <= maxFiles else { throw .tooManyFiles(key: key, count: summary.files, limit: maxFiles) }
                if makeReadOnly {
                    do throws(FileSystemError) {
                        let fd = try directory.openFile(entry.rawName, flags: O_RDONLY | O_NONBLOCK)
                        defer { close(fd) }
                        guard fchmod(fd, 0o444) == 0 else { throw FileSystemError(path: directory.path + "/" + entry.name, operation: "chmod") }
                    } catch {
                        throw .fileSystem(error)
                    }
                }
            case S_IFLNK:
                throw .unsafeEntry(path: relative, reason: "it is a symbolic link")
            default:
                throw .unsafeEntry(path: relative, reason: "it is a device, FIFO or socket")
            }
        }
    }

    /// Reads `WHEEL` of a `name-version.dist-info` directory and requires one of its tags to run
    /// on the target. Returns `name==version`.
    private func checkWheel(_ directory: OpenDirectory, name: String) throws(DependencyError) -> String {
        let stem = String(name.dropLast(".dist-info".count))
        let distribution = stem.lastIndex(of: "-").map { "\(RequirementLine.normalize(String(stem[..<$0])))==\(stem[stem.index(after: $0)...])" } ?? stem
        let text: String
        do throws(FileSystemError) {
            let fd = try directory.openFile("WHEEL", flags: O_RDONLY | O_NONBLOCK)
            defer { close(fd) }
            text = String(decoding: try readAll(fd, limit: 1 << 16, path: directory.path + "/WHEEL") ?? [], as: UTF8.self)
        } catch {
            throw .incompatibleWheel(distribution: distribution, tags: ["(no readable WHEEL file: \(error))"], target: target.platformTag)
        }
        let tags = text.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("Tag:") ? String(line.dropFirst(4)).trimmingWhitespace : nil
        }
        guard tags.contains(where: target.accepts(wheelTag:)) else {
            throw .incompatibleWheel(distribution: distribution, tags: tags, target: "\(target.pythonTag) \(target.platformTag)")
        }
        return distribution
    }
}
