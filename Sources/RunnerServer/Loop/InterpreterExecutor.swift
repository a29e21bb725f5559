#if canImport(Glibc)
import Glibc
#endif
import EmbeddedPython
import PosixThreads
import RunnerHTTP

/// Runs a /load or /run on the interpreter thread, right where it was read.
struct InterpreterExecutor: RequestExecutor {
    let python: Python
    let host: FunctionHost

    mutating func execute(_ request: HTTPRequest, route: Route, on connection: Connection, deadline: MonotonicInstant, timeout: RequestTimeout, loop: RunnerLoop, thread: inout LoopThread) {
        guard MonotonicInstant.now < deadline else {
            loop.respond(to: request, on: connection, canned: CannedResponse.timedOut(after: timeout.duration, started: false), thread: &thread)
            return
        }
        let bytes = connection.input.requestStart
        let body = UnsafeRawBufferPointer(start: bytes + request.body.offset, count: request.body.count)
        connection.phase = .running(request, timeout: timeout)
        loop.running = connection
        let call = loop.watchdog.begin(deadline: deadline, hardDeadline: deadline.advanced(byNanoseconds: loop.graceNanoseconds))
        loop.baton.callStarted(call.id)

        if case .load = route {
            let outcome = host.load(body: body, python)
            let ending = endCall(call, loop: loop)
            switch outcome {
            case .loaded(let json):
                loop.isLoaded.store(true, ordering: .relaxed)
                if ending == .interrupted {
                    loop.respond(to: request, on: connection, canned: CannedResponse.timedOut(after: timeout.duration, started: true), thread: &thread)
                } else {
                    json.withUnsafeBytes { loop.respond(to: request, on: connection, status: .ok, body: $0, thread: &thread) }
                }
            case .failed(let error):
                loop.isLoaded.store(false, ordering: .relaxed)
                loop.respond(to: request, on: connection, error: error, thread: &thread)
            case .deadlineExceeded:
                loop.isLoaded.store(false, ordering: .relaxed)
                loop.respond(to: request, on: connection, canned: CannedResponse.timedOut(after: timeout.duration, started: true), thread: &thread)
            }
            return
        }

        let invocationID = request.head.invocationID.map { UnsafeRawBufferPointer(start: bytes + $0.offset, count: $0.count) }
        let wantsLogTail = request.head.logTail.map { slice in
            UnsafeRawBufferPointer(start: bytes + slice.offset, count: slice.count).map { $0 | 0x20 }.elementsEqual("true".utf8)
        } ?? false
        let outcome = host.run(body: body, wantsLogTail: wantsLogTail, invocationID: invocationID, deadline: deadline, python)
        let ending = endCall(call, loop: loop)
        // Interrupted at its deadline: 504, with what it printed until then when the caller asks.
        func timedOut(thread: inout LoopThread) {
            var fields = RunnerLoop.ResponseFields.none
            if wantsLogTail { fields.logTail = host.logTail(python) }
            let (status, body) = CannedResponse.timedOut(after: timeout.duration, started: true)
            body.withUnsafeBytes { loop.respond(to: request, on: connection, status: status, body: $0, fields: fields, thread: &thread) }
        }
        switch consume outcome {
        case .result(let json, let logTail):
            if ending == .interrupted {
                timedOut(thread: &thread)
                return
            }
            var fields = RunnerLoop.ResponseFields.none
            fields.logTail = logTail
            // A result over the body limit would be refused by the host as a broken answer; it is
            // the function's, so it is answered as its error (the call is not one to retry).
            let limit = loop.limits.maxBodyBytes
            func send(_ body: UnsafeRawBufferPointer, thread: inout LoopThread) {
                if body.count > limit {
                    loop.respond(to: request, on: connection, error: .resultTooLarge(bytes: body.count, limit: limit, logTail: logTail), thread: &thread)
                } else {
                    loop.respond(to: request, on: connection, status: .ok, body: body, fields: fields, thread: &thread)
                }
            }
            let written: Void? = json.withUTF8 { send($0, thread: &thread) }
            if written == nil, let escaped = try? json.utf8EscapingSurrogates() {
                _ = escaped.withBytes { send($0, thread: &thread) }
            }
        case .failed(let error):
            if ending == .interrupted {
                timedOut(thread: &thread)
            } else {
                loop.respond(to: request, on: connection, error: error, thread: &thread)
            }
        case .deadlineExceeded:
            timedOut(thread: &thread)
        }
    }

    /// Ends the call: takes the baton back (from the standby, if it took it). If the standby gave the
    /// interpreter up meanwhile, this thread must touch nothing more: the process is exiting.
    private func endCall(_ call: DeadlineWatchdog.Call, loop: RunnerLoop) -> DeadlineWatchdog.Ending {
        let ending = loop.watchdog.end(call)
        guard loop.baton.callEnded(call.id, wake: loop.poll.wake) else {
            while true { _ = python.withGILReleased { pause() } }
        }
        loop.running?.phase = .reading
        loop.running = nil
        loop.lastActivity = .now
        return ending
    }
}
