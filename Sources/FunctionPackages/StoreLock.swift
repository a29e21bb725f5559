#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `.locks/<key>.lock`, held while one process installs or removes that
/// set. The lock goes with the descriptor, so a process that dies releases it. Lock files are never
/// removed: removing one while another process waits on it would let two holders in.
final class StoreLock {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Waits (polling, so the waiting task stays cancellable and no thread blocks) until the lock
    /// is free.
    static func acquire(_ key: DependencySetKey, in locks: OpenDirectory) async throws(DependencyError) -> StoreLock {
        let lock = try open(key, in: locks)
        var delay = Duration.milliseconds(10)
        while flock(lock.fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw .fileSystem(FileSystemError(path: locks.path + "/\(key).lock", operation: "lock"))
            }
            if Task.isCancelled { throw .cancelled }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(200))
        }
        return lock
    }

    /// The lock if nobody holds it, else nil.
    static func tryAcquire(_ key: DependencySetKey, in locks: OpenDirectory) throws(DependencyError) -> StoreLock? {
        let lock = try open(key, in: locks)
        return flock(lock.fd, LOCK_EX | LOCK_NB) == 0 ? lock : nil
    }

    private static func open(_ key: DependencySetKey, in locks: OpenDirectory) throws(DependencyError) -> StoreLock {
        do {
            return StoreLock(fd: try locks.openFile("\(key).lock", flags: O_RDWR | O_CREAT, mode: 0o600))
        } catch {
            throw .fileSystem(error)
        }
    }
}
