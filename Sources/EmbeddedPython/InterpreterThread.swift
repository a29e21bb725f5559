import CPython
import CPythonShim
import PosixThreads

/// The thread that initialises CPython and then runs jobs on it, one at a time, in order.
///
/// It holds the GIL only while a job runs: it waits for the next job with the GIL released, so that
/// threads the user's code started keep running between jobs.
final class InterpreterThread: @unchecked Sendable {
    /// One unit of work: `run` on the interpreter thread with the GIL, or `fail` if CPython never started.
    struct Job {
        let run: (Python) -> Void
        let fail: (PythonInterpreterError) -> Void
    }

    private enum State {
        case notStarted
        case starting
        case ready
        case failed(String)
    }

    /// Deep recursion in user code needs more than the default stack before Python's own limit hits.
    private static let stackSize = 64 << 20

    private let lock = ConditionLock()
    private let workAvailable: ConditionLock.Condition
    // Guarded by `lock`:
    private var state = State.notStarted
    private var queue: [Job] = []

    init() {
        workAvailable = ConditionLock.Condition(lock)
    }

    /// Starts the thread (once); jobs queue until CPython is initialised.
    func start() {
        let shouldStart = lock.withLock {
            guard case .notStarted = state else { return false }
            state = .starting
            return true
        }
        guard shouldStart else { return }
        PosixThread.start(name: "python", stackSize: Self.stackSize) { self.main() }.detach()
    }

    /// Queues `job`; fails it at once if CPython could not start.
    func enqueue(_ job: Job) {
        start()
        let failure = lock.withLock { () -> String? in
            if case .failed(let message) = state { return message }
            queue.append(job)
            workAvailable.signal()
            return nil
        }
        if let failure { job.fail(.initializationFailed(failure)) }
    }

    private func main() {
        var message = [CChar](repeating: 0, count: 512)
        guard pylambda_initialize(&message, message.count) == 0 else {
            let failure = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let refused = lock.withLock { () -> [Job] in
                state = .failed(failure)
                defer { queue.removeAll() }
                return queue
            }
            refused.forEach { $0.fail(.initializationFailed(failure)) }
            return
        }
        lock.withLock { state = .ready }
        var threadState = PyEval_SaveThread()
        while true {
            let job = lock.withLock { () -> Job in
                while queue.isEmpty { workAvailable.wait() }
                return queue.removeFirst()
            }
            PyEval_RestoreThread(threadState)
            job.run(Python())
            // An interruption that landed after its call had finished must not leak into the next job.
            if PyErr_Occurred() != nil { PyErr_Clear() }
            threadState = PyEval_SaveThread()
        }
    }
}
