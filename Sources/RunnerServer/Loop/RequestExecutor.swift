import PosixThreads
import RunnerHTTP

/// What becomes of a complete /load or /run: the interpreter thread runs it, the standby queues it.
protocol RequestExecutor {
    mutating func execute(_ request: HTTPRequest, route: Route, on connection: Connection, deadline: MonotonicInstant, timeout: RequestTimeout, loop: RunnerLoop, thread: inout LoopThread)
}
