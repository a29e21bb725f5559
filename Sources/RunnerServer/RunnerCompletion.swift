import PosixThreads

/// The runner's exit code, once it has one, for whoever waits: a plain thread (`wait()`), or a task
/// (`value`). Set once; later sets are ignored.
final class RunnerCompletion: @unchecked Sendable {
    private let lock = ConditionLock()
    private let finished: ConditionLock.Condition
    private var code: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []

    init() {
        finished = ConditionLock.Condition(lock)
    }

    func finish(_ exitCode: Int32) {
        let resumed = lock.withLock { () -> [CheckedContinuation<Int32, Never>] in
            guard code == nil else { return [] }
            code = exitCode
            finished.broadcast()
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in resumed { waiter.resume(returning: exitCode) }
    }

    var exitCode: Int32? { lock.withLock { code } }

    func wait() -> Int32 {
        lock.withLock {
            while code == nil { finished.wait() }
            return code!
        }
    }

    var value: Int32 {
        get async {
            await withCheckedContinuation { continuation in
                let known = lock.withLock { () -> Int32? in
                    if let code { return code }
                    waiters.append(continuation)
                    return nil
                }
                if let known { continuation.resume(returning: known) }
            }
        }
    }
}
