#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex with condition variables that wait on the monotonic clock.
///
/// The interpreter thread and the watchdog are plain threads, not tasks: they block while they wait,
/// so they use the primitives that are built for blocking.
final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// A condition bound to this lock. Call `wait` only while holding the lock (inside `withLock`).
    final class Condition: @unchecked Sendable {
        private let condition: UnsafeMutablePointer<pthread_cond_t>
        private let lock: ConditionLock

        init(_ lock: ConditionLock) {
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

        func wait() {
            pthread_cond_wait(condition, lock.mutex)
        }

        /// Waits until signalled or until `deadline` (monotonic nanoseconds) has passed.
        func wait(until deadline: UInt64) {
            var time = timespec(
                tv_sec: Int(deadline / 1_000_000_000),
                tv_nsec: Int(deadline % 1_000_000_000)
            )
            _ = pthread_cond_timedwait(condition, lock.mutex, &time)
        }

        func signal() { pthread_cond_signal(condition) }
    }
}

/// Nanoseconds on `CLOCK_MONOTONIC`, the clock the conditions above wait on.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64(UInt64.max / 1_000_000_000) - 1 else { return .max }  // "never", not a trap
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
