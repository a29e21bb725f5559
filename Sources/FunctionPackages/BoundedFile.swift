#if canImport(Glibc)
import Glibc
#endif

/// A whole file the user named on the host (function source, a package, requirements, a call's
/// input), read with a limit: the one reader under `FunctionPackage.load` and the CLI's inputs.
///
/// A path must name a regular file. It is opened without blocking, so that a FIFO cannot hang the
/// open, and checked on the descriptor, so that a device such as `/dev/zero` is refused rather than
/// read for ever. A descriptor already open (stdin) may be anything, and is read to its end, waiting
/// while it has nothing if it was inherited non-blocking. Never more than `limit` bytes are read.
public enum BoundedFile {
    public enum Failure: Error, Sendable, Equatable {
        case notFound
        case isDirectory
        /// A device, FIFO or socket.
        case notRegular
        /// `size` is the file's size when known before reading, else `limit + 1`.
        case tooLarge(size: Int)
        case fileSystem(FileSystemError)
    }

    /// The regular file at `path`.
    public static func read(path: String, limit: Int) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound }
            throw .fileSystem(FileSystemError(path: path, operation: "open"))
        }
        defer { close(fd) }
        return try readRegular(fd, path: path, limit: limit)
    }

    /// The regular file open at `fd` (`path` is for messages only).
    static func readRegular(_ fd: Int32, path: String, limit: Int) throws(Failure) -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .fileSystem(FileSystemError(path: path, operation: "stat")) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .isDirectory
        default: throw .notRegular
        }
        guard Int(info.st_size) <= limit else { throw .tooLarge(size: Int(info.st_size)) }
        return try readToEnd(fd, path: path, limit: limit, waitingWhenEmpty: false)
    }

    /// Whatever `fd` gives until its end (stdin: a pipe, a terminal, a redirected file), waiting
    /// while it has nothing yet.
    public static func read(descriptor fd: Int32, path: String, limit: Int) throws(Failure) -> [UInt8] {
        try readToEnd(fd, path: path, limit: limit, waitingWhenEmpty: true)
    }

    private static func readToEnd(_ fd: Int32, path: String, limit: Int, waitingWhenEmpty: Bool) throws(Failure) -> [UInt8] {
        let bytes: [UInt8]?
        do { bytes = try readAll(fd, limit: limit, path: path, waitingWhenEmpty: waitingWhenEmpty) } catch { throw .fileSystem(error) }
        guard let bytes else { throw .tooLarge(size: limit + 1) }
        return bytes
    }
}
