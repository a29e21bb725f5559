#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a runner's `lock` file, held for as long as one dispatcher uses that runner.
/// Runners left warm by a `pylambda run` are shared between processes; the lock makes sure only one
/// process at a time sends them calls, and the kernel drops it when the holder dies, however it dies.
/// Its mtime doubles as "last used", which `pylambda ps` shows and adoption reads.
final class RunnerLock: Sendable {
    let path: String
    private let fd: Int32

    static func path(in directory: String) -> String { directory + "/lock" }

    /// Nil when another process holds it (or the directory is gone).
    init?(directory: String) {
        path = Self.path(in: directory)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        fd = descriptor
    }

    /// True when nobody holds the lock (or there is no directory left to hold it in).
    static func isFree(directory: String) -> Bool {
        let descriptor = open(path(in: directory), O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return errno == ENOENT }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }

    /// Marks the runner as used now.
    func touch() {
        futimens(fd, nil)
    }

    deinit {
        close(fd)
    }
}
