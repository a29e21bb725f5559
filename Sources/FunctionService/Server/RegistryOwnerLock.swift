#if canImport(Glibc)
import Glibc
#endif

/// The claim of one serve on a SQLite registry: `serve.lock` in the state directory, held (`flock`)
/// for as long as the serve runs.
///
/// A SQLite registry has one writer, so each serve caches functions and keys with nobody to tell it
/// of another's changes (`RegistryChangeFeed.singleWriter`): a second serve on the same state
/// directory went on taking a key the first had revoked, and running a function it had deleted. A
/// PostgreSQL registry tells every serve of every change, so serves sharing one take no lock.
///
/// The file is in the host-only state directory, created 0600 and opened without following a link.
/// The kernel drops the lock when the process ends, `kill -9` included.
final class RegistryOwnerLock {
    private var fd: Int32

    static let fileName = "serve.lock"

    /// Another serve holds the lock, or the file cannot be used.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    init(stateDirectory: String) throws(Unavailable) {
        let path = stateDirectory + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw Unavailable(description: "cannot open \(path): \(reason)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw Unavailable(description: "\(path) is not a regular file")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.recordedPID(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw Unavailable(
                    description: "another pylambda serve\(holder.map { " (pid \($0))" } ?? "") is using the SQLite registry in \(stateDirectory): one serve per SQLite registry; give this one its own --state, or share a PostgreSQL registry between them (--database postgres://...)")
            }
            throw Unavailable(description: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        // The holder's pid, for the message another serve prints.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        self.fd = fd
    }

    /// Gives the registry up (closing the file drops the lock).
    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }

    /// The pid written by the holder, if the file has one.
    private static func recordedPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count].prefix { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self))
    }
}
