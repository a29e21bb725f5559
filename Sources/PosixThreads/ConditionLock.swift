#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex with condition variables that wait on the monotonic clock.
///
/// The interpreter thread and the runner's standby thread are plain threads, not tasks: they block
/// while they wait, so they use the primitives that are built for blocking.
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// A condition bound to this lock. Call `wait` only while holding the lock (inside `withLock`).
    public final class Condition: @unchecked Sendable {
        private let condition: UnsafeMutablePointer<pthread_cond_t>
        private let lock: ConditionLock

        public init(_ lock: ConditionLock) {
            self.lock = lock
            condition = .allocate(capacity: 1)
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(condition, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }

        public func wait() {
            pthread_cond_wait(condition, lock.mutex)
        }

        /// Waits until signalled or until `deadline` has passed.
        public func wait(until deadline: MonotonicInstant) {
            guard deadline != .never else { return wait() }
            var time = timespec(
                tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
                tv_nsec: Int(deadline.nanoseconds % 1_000_000_000)
            )
            _ = pthread_cond_timedwait(condition, lock.mutex, &time)
        }

        public func signal() { pthread_cond_signal(condition) }
        public func broadcast() { pthread_cond_broadcast(condition) }
    }
}
