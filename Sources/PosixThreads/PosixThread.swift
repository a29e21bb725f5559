#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLinux

/// A joinable pthread with a chosen stack size and a name that `top -H` and `/proc/<pid>/task` show.
///
/// The runner's threads block in the kernel (epoll, condition variables) and one of them owns
/// CPython: neither fits Swift's cooperative pool, which must never block.
public final class PosixThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var joined = false

    private init() {}

    /// Starts `body` on a new thread. `name` is cut to the 15 bytes Linux keeps.
    public static func start(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) -> PosixThread {
        final class Start {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) {
                self.name = name
                self.body = body
            }
        }
        let started = PosixThread()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, stackSize)
        defer { pthread_attr_destroy(&attributes) }
        let context = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        let result = pthread_create(&started.thread, &attributes, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            clinux_set_thread_name(start.name)
            start.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        return started
    }

    /// Waits for the thread to finish (once; later calls return at once).
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// Lets the thread run on by itself: nobody will join it.
    public func detach() {
        guard !joined else { return }
        joined = true
        pthread_detach(thread)
    }
}
