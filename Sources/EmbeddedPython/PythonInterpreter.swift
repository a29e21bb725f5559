#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPython
import CPythonShim

/// The process's one CPython interpreter, owned by one dedicated thread.
///
/// CPython allows one interpreter per process and serialises everything behind the GIL, so there is
/// exactly one of these: `shared`. Work reaches it as *jobs* (`perform`), which run one at a time, in
/// order, on the interpreter thread; HTTP and other async work never touch the GIL. Keeping the GIL on
/// one long-lived thread is about twice as fast per call as `PyGILState_Ensure` from whichever thread
/// asks.
///
/// A job may have a deadline. A watchdog thread interrupts a job that runs past it by raising
/// `DeadlineExceeded` into its Python code through a signal (and, if the code catches it, again every
/// `interruptInterval`). Code blocked in C cannot be interrupted: past the deadline plus
/// `timeoutGrace` the job is answered `unresponsive`, the interpreter is given up for lost, and every
/// later job fails at once, so that the process can be replaced.
public final class PythonInterpreter: @unchecked Sendable {
    public static let shared = PythonInterpreter()

    private enum State {
        case notStarted
        case starting
        case ready
        case failed(String)
        case unresponsive(Duration)
    }

    /// One unit of work, guarded by `lock` except for its immutable parts.
    private final class Job {
        let id: UInt64
        let timeout: Duration?
        let deadline: UInt64?
        let execute: (Job, Python) -> Void
        let abandon: (PythonInterpreterError) -> Void
        var answered = false
        var interrupted = false
        var lastInterrupt: UInt64 = 0

        init(
            id: UInt64,
            timeout: Duration?,
            execute: @escaping (Job, Python) -> Void,
            abandon: @escaping (PythonInterpreterError) -> Void
        ) {
            self.id = id
            self.timeout = timeout
            self.deadline = timeout.map { monotonicNanoseconds() &+ $0.nanoseconds }
            self.execute = execute
            self.abandon = abandon
        }
    }

    private let lock = ConditionLock()
    private let workAvailable: ConditionLock.Condition
    private let watchdogWake: ConditionLock.Condition
    // Guarded by `lock`:
    private var state = State.notStarted
    private var queue: [Job] = []
    private var running: Job?
    private var nextJobID: UInt64 = 1
    private var watchdogNextWake = UInt64.max
    private var pendingReleases: [UnsafeMutablePointer<PyObject>] = []
    private var grace: Duration = .seconds(2)
    // Touched only by the interpreter thread:
    private var holdsGIL = false
    private var deadlineExceeded: UnsafeMutablePointer<PyObject>?

    /// How often a job past its deadline is interrupted again if its code catches the interruption.
    public let interruptInterval: Duration = .milliseconds(100)

    private init() {
        workAvailable = ConditionLock.Condition(lock)
        watchdogWake = ConditionLock.Condition(lock)
    }

    /// How long past its deadline a job may stay uninterruptible before the interpreter is given up.
    public var timeoutGrace: Duration {
        get { lock.withLock { grace } }
        set { lock.withLock { grace = newValue } }
    }

    /// Starts the interpreter and watchdog threads (once). Jobs queue until CPython is initialised.
    public func start() {
        let shouldStart = lock.withLock {
            guard case .notStarted = state else { return false }
            state = .starting
            return true
        }
        guard shouldStart else { return }
        // Deep recursion in user code needs more than the default stack before Python's own limit hits.
        spawnThread(stackSize: 64 << 20) { self.interpreterMain() }
        spawnThread(stackSize: 256 << 10) { self.watchdogMain() }
    }

    /// Runs `body` on the interpreter thread with the GIL held, after every job queued before it.
    ///
    /// - Parameter timeout: counted from now, so time spent queued behind other jobs counts. A job
    ///   still queued at its deadline never runs.
    public func perform<T: Sendable>(
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (Python) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(
                timeout: timeout,
                execute: { job, python in
                    let result = Result { try body(python) }
                    switch self.answer(job) {
                    case .alreadyAnswered:
                        return
                    case .interrupted(let timeout):
                        continuation.resume(throwing: PythonInterpreterError.deadlineExceeded(timeout: timeout, started: true))
                    case .normally:
                        continuation.resume(with: result)
                    }
                },
                abandon: { continuation.resume(throwing: $0) }
            )
        }
    }

    /// Queues `body` now, without waiting for it: it runs before any job queued after this call
    /// returns. For setup that later jobs rely on, started without holding up the caller.
    public func submit(_ body: @escaping @Sendable (Python) -> Void) {
        enqueue(timeout: nil, execute: { job, python in
            body(python)
            _ = self.answer(job)
        }, abandon: { _ in })
    }

    private func enqueue(
        timeout: Duration?,
        execute: @escaping (Job, Python) -> Void,
        abandon: @escaping (PythonInterpreterError) -> Void
    ) {
        start()
        let refusal = lock.withLock { () -> PythonInterpreterError? in
            switch state {
            case .failed(let message):
                return .initializationFailed(message)
            case .unresponsive(let timeout):
                return .unresponsive(timeout: timeout)
            case .notStarted, .starting, .ready:
                break
            }
            let job = Job(id: nextJobID, timeout: timeout, execute: execute, abandon: abandon)
            nextJobID += 1
            queue.append(job)
            workAvailable.signal()
            if let deadline = job.deadline, deadline < watchdogNextWake {
                watchdogNextWake = deadline
                watchdogWake.signal()
            }
            return nil
        }
        if let refusal { abandon(refusal) }
    }

    /// Drops a reference: now if this thread holds the GIL, else on the interpreter thread's next turn.
    func release(_ pointer: UnsafeMutablePointer<PyObject>) {
        if pylambda_on_interpreter_thread() != 0 && holdsGIL {
            Py_DecRef(pointer)
            return
        }
        lock.withLock {
            pendingReleases.append(pointer)
            workAvailable.signal()
        }
    }

    func deadlineExceededType(_: Python) -> PythonObject {
        PythonObject(borrowing: deadlineExceeded!)
    }

    // MARK: - Interpreter thread

    private func interpreterMain() {
        var message = [CChar](repeating: 0, count: 512)
        let started = pylambda_initialize(&message, message.count) == 0
        if started {
            holdsGIL = true
            deadlineExceeded = pylambda_deadline_exception()
        }
        let failure = started ? nil : String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let refused = lock.withLock { () -> [Job] in
            guard let failure else {
                state = .ready
                return []
            }
            state = .failed(failure)
            let refused = queue.filter { !$0.answered }
            refused.forEach { $0.answered = true }
            queue.removeAll()
            return refused
        }
        if let failure { refused.forEach { $0.abandon(.initializationFailed(failure)) } }
        guard started else { return }

        var threadState = PyEval_SaveThread()
        holdsGIL = false
        while true {
            let (job, releases) = lock.withLock { () -> (Job?, [UnsafeMutablePointer<PyObject>]) in
                while queue.isEmpty && pendingReleases.isEmpty {
                    workAvailable.wait()
                }
                let releases = pendingReleases
                pendingReleases.removeAll()
                guard !queue.isEmpty else { return (nil, releases) }
                let job = queue.removeFirst()
                running = job
                return (job, releases)
            }
            if !holdsGIL {
                PyEval_RestoreThread(threadState)
                holdsGIL = true
            }
            releases.forEach { Py_DecRef($0) }
            if let job {
                pylambda_set_current_job(job.id)
                job.execute(job, Python(interpreter: self))
                pylambda_set_current_job(0)
                // An interruption that landed after the job's own code had finished.
                if PyErr_Occurred() != nil { PyErr_Clear() }
            }
            let idle = lock.withLock {
                running = nil
                return queue.isEmpty && pendingReleases.isEmpty
            }
            // Keep the GIL while work is waiting; give it up while idle, so that threads the user's code
            // started can run.
            if idle {
                holdsGIL = false
                threadState = PyEval_SaveThread()
            }
        }
    }

    private enum Answer {
        case normally
        case interrupted(Duration)
        case alreadyAnswered
    }

    /// Claims the right to answer a job that has finished running. The watchdog may have answered it
    /// already (unresponsive); a job it interrupted is answered as timed out, whatever it returned.
    private func answer(_ job: Job) -> Answer {
        lock.withLock {
            guard !job.answered else { return .alreadyAnswered }
            job.answered = true
            if job.interrupted, let timeout = job.timeout { return .interrupted(timeout) }
            return .normally
        }
    }

    // MARK: - Watchdog thread

    private func watchdogMain() {
        while true {
            // Decide under the lock; answer outside it, so that a job's closure (and whatever it
            // captured) is never resumed or released while the interpreter's lock is held.
            var answers: [(Job, PythonInterpreterError)] = []
            let next = lock.withLock { () -> UInt64 in
                let now = monotonicNanoseconds()
                var next = UInt64.max
                queue.removeAll { job in
                    guard let deadline = job.deadline, let timeout = job.timeout else { return false }
                    guard deadline <= now else {
                        next = min(next, deadline)
                        return false
                    }
                    job.answered = true
                    answers.append((job, .deadlineExceeded(timeout: timeout, started: false)))
                    return true
                }
                if let job = running, !job.answered, let deadline = job.deadline, let timeout = job.timeout {
                    let hardDeadline = deadline.addingClamped(grace.nanoseconds)
                    let interruptDue = now >= job.lastInterrupt.addingClamped(interruptInterval.nanoseconds)
                    // Give up only on a job that was interrupted at least once and kept running.
                    if now >= hardDeadline && job.interrupted && interruptDue {
                        answers += giveUp(on: job, timeout: timeout)
                    } else if now >= deadline {
                        if interruptDue {
                            job.interrupted = true
                            job.lastInterrupt = now
                            _ = pylambda_interrupt_job(job.id)
                        }
                        next = min(next, job.lastInterrupt.addingClamped(interruptInterval.nanoseconds), max(hardDeadline, now + 1))
                    } else {
                        next = min(next, deadline)
                    }
                }
                watchdogNextWake = next
                return next
            }
            for (job, error) in answers { job.abandon(error) }
            answers.removeAll()
            lock.withLock {
                // An enqueue since the decision lowers watchdogNextWake (and its signal may have come
                // before this wait): look again instead of sleeping past its deadline.
                guard watchdogNextWake >= next else { return }
                if next == .max {
                    watchdogWake.wait()
                } else {
                    watchdogWake.wait(until: next)
                }
            }
        }
    }

    /// The running job is stuck in C: it and everything queued get `unresponsive`, and so will every
    /// later job. Call with the lock held; answer what it returns after releasing it.
    private func giveUp(on job: Job, timeout: Duration) -> [(Job, PythonInterpreterError)] {
        state = .unresponsive(timeout)
        let stuck = [job] + queue.filter { !$0.answered }
        queue.removeAll()
        for job in stuck { job.answered = true }
        return stuck.map { ($0, .unresponsive(timeout: timeout)) }
    }
}

extension UInt64 {
    /// Deadlines far in the future stay far in the future instead of wrapping into the past.
    fileprivate func addingClamped(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

/// Starts a detached pthread running `body`.
private func spawnThread(stackSize: Int, _ body: @escaping () -> Void) {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, stackSize)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    defer { pthread_attr_destroy(&attributes) }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let result = pthread_create(&thread, &attributes, { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    precondition(result == 0, "pthread_create failed: \(result)")
}
