#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and writes by path inside the store's private directories, never through a
/// symlink.
enum StoreFile {
    static func write(_ path: String, _ text: String, mode: mode_t = 0o600) throws(DependencyError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .fileSystem(FileSystemError(path: path, operation: "create")) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        do { try writeAll(fd, bytes, path: path) } catch { throw .fileSystem(error) }
        guard fchmod(fd, mode) == 0 else { throw .fileSystem(FileSystemError(path: path, operation: "chmod")) }
    }

    static func read(_ path: String, limit: Int = 16 << 20) throws(DependencyError) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .fileSystem(FileSystemError(path: path, operation: "open")) }
        defer { close(fd) }
        let bytes: [UInt8]?
        do { bytes = try readAll(fd, limit: limit, path: path) } catch { throw .fileSystem(error) }
        guard let bytes else { throw .fileSystem(FileSystemError(path: path, operation: "read (too large)", code: EFBIG)) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
