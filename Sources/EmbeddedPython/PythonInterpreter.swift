import PosixThreads

/// The process's CPython interpreter and the one thread that owns it.
///
/// CPython allows one interpreter per process, and runs Python-level signal handlers (which the
/// deadline mechanism relies on) only on the thread that initialised it. So one `PythonInterpreter`
/// is created per process, by whoever owns the process (the runner's `main`, a test suite) and passed
/// to what needs it. Work reaches the interpreter as jobs, which run one at a time, in order, on its
/// thread, with the GIL held; a job may run for long (the runner's whole event loop is one job).
public final class PythonInterpreter: Sendable {
    private let thread = InterpreterThread()
    /// Interrupts calls that run past their deadlines; its decisions are made by whichever thread
    /// watches the interpreter (the runner's standby thread).
    public let watchdog: DeadlineWatchdog

    /// Cheap: nothing starts until `start()` or the first job.
    public init(interruptInterval: Duration = .milliseconds(100)) {
        watchdog = DeadlineWatchdog(interruptInterval: interruptInterval)
    }

    /// Starts the interpreter thread, which initialises CPython while the caller goes on.
    public func start() {
        thread.start()
    }

    /// Runs `body` on the interpreter thread with the GIL held, after every job queued before it.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (borrowing Python) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            thread.enqueue(.init(
                run: { python in continuation.resume(with: Result { try body(python) }) },
                fail: { continuation.resume(throwing: $0) }
            ))
        }
    }

    /// Queues `body` without waiting for it; `unavailable` runs instead if CPython could not start.
    public func submit(_ body: @escaping @Sendable (borrowing Python) -> Void, ifUnavailable unavailable: @escaping @Sendable (PythonInterpreterError) -> Void) {
        thread.enqueue(.init(run: { python in body(python) }, fail: unavailable))
    }

    /// `perform` for a caller that is a plain thread (a program's `main`): blocks it until `body` ran.
    public func performAndWait<T: Sendable>(_ body: @escaping @Sendable (borrowing Python) throws -> T) throws -> T {
        let lock = ConditionLock()
        let done = ConditionLock.Condition(lock)
        nonisolated(unsafe) var outcome: Result<T, any Error>?
        thread.enqueue(.init(
            run: { python in
                let result = Result { try body(python) }
                lock.withLock {
                    outcome = result
                    done.signal()
                }
            },
            fail: { error in
                lock.withLock {
                    outcome = .failure(error)
                    done.signal()
                }
            }
        ))
        return try lock.withLock {
            while outcome == nil { done.wait() }
            return outcome!
        }.get()
    }
}
