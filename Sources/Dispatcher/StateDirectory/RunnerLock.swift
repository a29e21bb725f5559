#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An exclusive open-file-description lock (`F_OFD_SETLK`) on a runner's `lock` file, held for as long
/// as one dispatcher uses the runner.
///
/// Runners left warm by `pylambda run` are shared between processes; the lock makes sure one process at
/// a time sends them calls, and the kernel drops it when the holder dies, however it dies. An OFD lock
/// rather than `flock`, because `F_OFD_GETLK` asks whether it is held without taking it: a probe (by
/// `ps`, a sweep or adoption) never makes a process that wants the runner at that moment fail. Its mtime
/// doubles as "last used", which `pylambda ps` shows and adoption reads. The file lives in the runner's
/// host-only directory, out of the container's reach.
final class RunnerLock: Sendable {
    private let descriptor: Int32
    private let held = Atomic<Bool>(true)

    static let fileName = "lock"

    /// Linux's values; Glibc declares them only under `_GNU_SOURCE`.
    private static let getLock: Int32 = 36  // F_OFD_GETLK
    private static let setLock: Int32 = 37  // F_OFD_SETLK

    /// Takes the lock, creating the file if needed; nil when another process (or another dispatcher in
    /// this one) holds it.
    init?(in directory: DirectoryDescriptor) {
        guard let descriptor = try? directory.openRegularFile(Self.fileName, flags: O_RDWR | O_CREAT) else {
            return nil
        }
        var request = Self.wholeFile(Int16(F_WRLCK))
        // The `flock` too, which the kernel keeps apart from OFD locks: a pylambda from before OFD
        // locks probes with `flock`, and must see this runner as taken.
        guard fcntl(descriptor, Self.setLock, &request) == 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    /// True when nobody holds the lock (or there is no lock file). Only asks; takes nothing.
    static func isFree(in directory: DirectoryDescriptor) -> Bool {
        guard directory.status(of: fileName) != nil else { return true }
        guard let descriptor = try? directory.openRegularFile(fileName, flags: O_RDONLY) else { return false }
        defer { close(descriptor) }
        var probe = wholeFile(Int16(F_WRLCK))
        guard fcntl(descriptor, getLock, &probe) == 0 else { return false }
        return probe.l_type == Int16(F_UNLCK)
    }

    /// Marks the runner as used now.
    func touch() {
        futimens(descriptor, nil)
    }

    /// The lock file says "in a call" (one byte) from just before a call is sent until its answer is
    /// read: if the holder dies in between, the file still says so once the kernel has dropped the
    /// lock (`RunnerDirectory.wasLeftInCall`). Both also mark the runner as used now.
    func markInCall() {
        var mark = UInt8(ascii: "c")
        _ = pwrite(descriptor, &mark, 1, 0)
    }

    func markIdle() {
        _ = ftruncate(descriptor, 0)
    }

    /// Lets another process take the runner now, rather than whenever the last reference goes.
    func release() {
        guard held.exchange(false, ordering: .acquiringAndReleasing) else { return }
        var request = Self.wholeFile(Int16(F_UNLCK))
        _ = fcntl(descriptor, Self.setLock, &request)
        flock(descriptor, LOCK_UN)
    }

    private static func wholeFile(_ type: Int16) -> flock {
        var request = flock()
        request.l_type = type
        request.l_whence = Int16(SEEK_SET)
        request.l_start = 0
        request.l_len = 0
        request.l_pid = 0  // must be 0 for OFD locks
        return request
    }

    deinit {
        close(descriptor)
    }
}
