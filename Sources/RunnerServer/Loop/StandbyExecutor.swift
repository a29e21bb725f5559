import PosixThreads
import RunnerHTTP

/// Queues a /load or /run for the interpreter thread.
struct StandbyExecutor: RequestExecutor {
    mutating func execute(_ request: HTTPRequest, route: Route, on connection: Connection, deadline: MonotonicInstant, timeout: RequestTimeout, loop: RunnerLoop, thread: inout LoopThread) {
        connection.phase = .queued(request, deadline: deadline, timeout: timeout)
        loop.runQueue.append(connection)
    }
}
