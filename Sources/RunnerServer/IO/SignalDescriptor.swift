#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The signals that drain the runner (SIGTERM, SIGINT), read from a signalfd in the runner's epoll
/// set, so that whichever loop thread is polling sees them, even while Python is busy.
///
/// A signalfd only receives signals that every thread blocks: `block` blocks them in the calling
/// thread, and threads it starts afterwards inherit that. The executable does it first thing in
/// `main`, before any other thread exists.
struct SignalDescriptor: ~Copyable {
    let descriptor: Int32

    /// Blocks `signals` in the calling thread (and so in the threads it starts from now on).
    static func block(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    init(_ signals: [Int32]) throws(RunnerStartError) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        descriptor = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard descriptor >= 0 else { throw .system("signalfd", errno) }
    }

    deinit {
        close(descriptor)
    }

    /// The next pending signal's number, or nil.
    func read() -> Int32? {
        var information = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        guard Glibc.read(descriptor, &information, size) == size else { return nil }
        return Int32(information.ssi_signo)
    }
}
