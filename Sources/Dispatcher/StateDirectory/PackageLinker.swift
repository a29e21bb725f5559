#if canImport(Glibc)
import Glibc
#endif

/// Puts a package's files into a runner's task directory: hard links to the read-only extracted
/// package (no copy, and the same read-only inodes), or copies where linking is not possible (another
/// file system). Only regular files and directories are taken; anything else in the source means it
/// is not a package PyLambda extracted, and is refused.
enum PackageLinker {
    enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case unexpected(String)

        var description: String {
            switch self {
            case .unreadable(let path): "cannot read the package at \(path)"
            case .unexpected(let path): "\(path) is neither a regular file nor a directory"
            }
        }
    }

    static func link(package source: String, into task: DirectoryDescriptor) throws(Failure) {
        guard let root = try? DirectoryDescriptor.open(absolutePath: source) else { throw .unreadable(source) }
        // A runner is loaded once, but a failed load may have left part of a package behind.
        for entry in task.entries() { task.removeTree(entry) }
        // Packages are held to 32 names per path (`PackageLimits.maxPathComponents`) before they get
        // here: 31 directories below this one.
        try copyTree(root, into: task, depth: 32)
    }

    private static func copyTree(_ source: DirectoryDescriptor, into target: DirectoryDescriptor, depth: Int) throws(Failure) {
        guard depth > 0 else { throw .unexpected(source.path + " (too deep)") }
        for name in source.entries() {
            guard let info = source.status(of: name) else { throw .unreadable(source.path + "/" + name) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard let child = try? source.openDirectory(name), let copy = try? target.makeDirectory(name, mode: 0o755) else {
                    throw .unreadable(source.path + "/" + name)
                }
                try copyTree(child, into: copy, depth: depth - 1)
            case S_IFREG:
                if linkat(source.descriptor, name, target.descriptor, name, 0) != 0 {
                    try copyFile(name, from: source, to: target)
                }
            default:
                throw .unexpected(source.path + "/" + name)
            }
        }
    }

    private static func copyFile(_ name: String, from source: DirectoryDescriptor, to target: DirectoryDescriptor) throws(Failure) {
        guard let input = try? source.openRegularFile(name, flags: O_RDONLY) else { throw .unreadable(source.path + "/" + name) }
        defer { close(input) }
        guard let output = try? target.openRegularFile(name, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o444) else {
            throw .unreadable(target.path + "/" + name)
        }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count == 0 { return }
            guard count > 0, buffer.withUnsafeBytes({ write(output, $0.baseAddress, count) }) == count else {
                throw .unreadable(source.path + "/" + name)
            }
        }
    }
}
