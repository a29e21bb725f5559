#if canImport(Glibc)
import Glibc
#endif

/// Reading a package from the host: which form a path is, a bounded file read, and the walk that
/// zips a directory. The walk never follows a symbolic link below the directory it was given.
enum PackageSource {
    static func kind(of path: String) throws(PackageError) -> FunctionPackage.Kind {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw .notFound(path: path) }
            throw .fileSystem(FileSystemError(path: path, operation: "stat"))
        }
        if info.st_mode & S_IFMT == S_IFDIR { return .directory }
        // Named a zip, read as one: a broken zip is refused as such, not run as Python source.
        if path.lowercased().hasSuffix(".zip") { return .zip }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .fileSystem(FileSystemError(path: path, operation: "open")) }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4)
        let count = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
        return count == 4 && ZipArchive.looksLikeZip(head) ? .zip : .singleFile
    }

    /// The whole of a regular file, or `tooLarge(size)` thrown once it passes `limit`.
    static func readFile(
        _ path: String, limit: Int, tooLarge: (Int) throws(PackageError) -> Never
    ) throws(PackageError) -> [UInt8] {
        do { return try BoundedFile.read(path: path, limit: limit) } catch { try packageError(error, path: path, tooLarge: tooLarge) }
    }

    private static func readRegular(
        _ fd: Int32, path: String, limit: Int, tooLarge: (Int) throws(PackageError) -> Never
    ) throws(PackageError) -> [UInt8] {
        do { return try BoundedFile.readRegular(fd, path: path, limit: limit) } catch { try packageError(error, path: path, tooLarge: tooLarge) }
    }

    private static func packageError(
        _ error: BoundedFile.Failure, path: String, tooLarge: (Int) throws(PackageError) -> Never
    ) throws(PackageError) -> Never {
        switch error {
        case .notFound: throw .notFound(path: path)
        case .isDirectory: throw .unsupportedEntry(path: path, reason: "it is a directory, where a file was expected")
        case .notRegular: throw .unsupportedEntry(path: path, reason: "only regular files can be read (devices, FIFOs and sockets are not allowed)")
        case .tooLarge(let size): try tooLarge(size)
        case .fileSystem(let error): throw .fileSystem(error)
        }
    }

    /// Zips a directory deterministically, holding it to the limits as it goes.
    static func zipDirectory(_ path: String, limits: PackageLimits) throws(PackageError) -> [UInt8] {
        let root: OpenDirectory
        do { root = try OpenDirectory(path: path, followLast: true) } catch { throw .fileSystem(error) }
        var writer = ZipWriter()
        var count = 0
        var unpacked: Int64 = 0
        try add(root, prefix: [], writer: &writer, count: &count, unpacked: &unpacked, limits: limits)
        return try writer.finish()
    }

    /// Directories a project keeps beside its code that are not the function's: version control
    /// (`.git`, `.hg`, `.svn`) and virtual environments (a directory with a `pyvenv.cfg`, PEP 405,
    /// whatever it is called). A virtual environment is the host's interpreter and its symbolic
    /// links, useless in the runner, and would be refused for those links; a function's dependencies
    /// come from its `requirements.txt`. Only when a directory is packed: a zip is taken as built.
    static func isProjectTooling(_ name: String, _ directory: OpenDirectory) -> Bool {
        if [".git", ".hg", ".svn"].contains(name) { return true }
        guard let config = directory.status("pyvenv.cfg") else { return false }
        return config.st_mode & S_IFMT == S_IFREG
    }

    private static func add(
        _ directory: OpenDirectory, prefix: [String], writer: inout ZipWriter, count: inout Int, unpacked: inout Int64,
        limits: PackageLimits
    ) throws(PackageError) {
        let entries: [OpenDirectory.Entry]
        do { entries = try directory.entries() } catch { throw .fileSystem(error) }
        for entry in entries {
            let shown = (prefix + [entry.name]).joined(separator: "/")
            let raw = prefix.map { Array($0.utf8) + [UInt8(ascii: "/")] }.joined() + entry.rawName.dropLast().map { UInt8(bitPattern: $0) }
            let path = try PackagePath(zipName: Array(raw))
            if path.isExcluded { continue }
            var child: OpenDirectory?
            if entry.type == S_IFDIR {
                do { child = try OpenDirectory(in: directory, entry.rawName) } catch { throw .fileSystem(error) }
                if let child, isProjectTooling(entry.name, child) { continue }
            }
            count += 1
            guard count <= limits.maxFileCount else { throw .fileCountExceeded(count: count, limit: limits.maxFileCount) }
            switch entry.type {
            case S_IFLNK:
                throw .symlink(path: shown)
            case S_IFDIR:
                guard let child else { continue }
                try add(child, prefix: path.components, writer: &writer, count: &count, unpacked: &unpacked, limits: limits)
            case S_IFREG:
                let fd: Int32
                do { fd = try directory.openFile(entry.rawName, flags: O_RDONLY | O_NONBLOCK) } catch { throw .fileSystem(error) }
                defer { close(fd) }
                let remaining = limits.maxUnpackedBytes - unpacked
                let contents = try readRegular(fd, path: shown, limit: Int(min(remaining, Int64(Int32.max)))) { size throws(PackageError) in
                    throw .unpackedSizeExceeded(bytes: unpacked + Int64(size), limit: limits.maxUnpackedBytes)
                }
                unpacked += Int64(contents.count)
                writer.add(path, contents: contents)
                guard writer.compressedBytes <= limits.maxPackedBytes else {
                    throw .packedSizeExceeded(bytes: writer.compressedBytes, limit: limits.maxPackedBytes)
                }
            default:
                throw .unsupportedEntry(path: shown, reason: "devices, FIFOs and sockets are not allowed in a package")
            }
        }
    }
}
