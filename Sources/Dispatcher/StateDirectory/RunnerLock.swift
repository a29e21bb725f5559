#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a runner's `lock` file, held for as long as one dispatcher uses the runner.
///
/// Runners left warm by `pylambda run` are shared between processes; the lock makes sure one process at
/// a time sends them calls, and the kernel drops it when the holder dies, however it dies. Its mtime
/// doubles as "last used", which `pylambda ps` shows and adoption reads. The file lives in the runner's
/// host-only directory, out of the container's reach.
final class RunnerLock: Sendable {
    private let descriptor: Int32

    static let fileName = "lock"

    /// Takes the lock, creating the file if needed; nil when another process holds it.
    init?(in directory: DirectoryDescriptor) {
        guard let descriptor = try? directory.openRegularFile(Self.fileName, flags: O_RDWR | O_CREAT) else {
            return nil
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    /// True when nobody holds the lock (or there is no lock file).
    static func isFree(in directory: DirectoryDescriptor) -> Bool {
        guard directory.status(of: fileName) != nil else { return true }
        guard let descriptor = try? directory.openRegularFile(fileName, flags: O_RDONLY) else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }

    /// Marks the runner as used now.
    func touch() {
        futimens(descriptor, nil)
    }

    deinit {
        close(descriptor)
    }
}
