#if canImport(Glibc)
import Glibc
#endif
import EmbeddedPython
import PosixThreads
import RunnerHTTP

extension RunnerLoop {
    /// The interpreter thread's loop: polls, answers, and runs every /load and /run itself, with no
    /// hand-off to another thread. Returns the exit code when the runner is done.
    func runOnInterpreterThread(_ python: borrowing Python, host: FunctionHost) -> Int32 {
        var thread = LoopThread(role: .interpreter)
        var executor = InterpreterExecutor(python: copy python, host: host)
        lastActivity = .now
        while true {
            if let code = finishedDraining() { return code }
            let deadline = nextDeadline()
            // The GIL goes while the thread waits, so that threads the user's code started keep running.
            let count = python.withGILReleased {
                poll.wait(into: &thread.events, timeoutMilliseconds: deadline.millisecondsFromNow())
            }
            for index in 0..<count {
                let (token, events) = thread.events[index]
                handle(token: token, events: events, thread: &thread, executor: &executor)
            }
            runQueued(thread: &thread, executor: &executor)
            if count == 0 { deadlinePassed(thread: &thread, executor: &executor) }
        }
    }

    /// Runs the requests the standby queued while the interpreter was busy, in order, and whatever
    /// their connections pipelined after them.
    func runQueued(thread: inout LoopThread, executor: inout InterpreterExecutor) {
        while !runQueue.isEmpty {
            let connection = runQueue.removeFirst()
            guard case .queued(let request, let deadline, let timeout) = connection.phase else { continue }
            connection.phase = .reading
            let route = Route(request.head, bytes: connection.input.requestStart)
            executor.execute(request, route: route, on: connection, deadline: deadline, timeout: timeout, loop: self, thread: &thread)
            serve(connection, thread: &thread, executor: &executor)
        }
    }
}

extension RunnerLoop {
    func respond(to request: HTTPRequest, on connection: Connection, error: FunctionError, thread: inout LoopThread) {
        var fields = ResponseFields.none
        fields.logTail = error.logTail
        fields.functionError = error.isTheFunctions
        error.body.jsonBytes.withUnsafeBytes { respond(to: request, on: connection, status: error.status, body: $0, fields: fields, thread: &thread) }
    }
}
