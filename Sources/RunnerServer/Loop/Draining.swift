#if canImport(Glibc)
import Glibc
#endif
import PosixThreads
import RunnerHTTP
import RunnerProtocol

/// How the runner ends: draining (after SIGTERM, SIGINT, `stop()` or its idle TTL) and giving up on an
/// interpreter stuck in C.
///
/// A drain is atomic with respect to requests: every request that was sent before it began is
/// answered, and every other one is refused by closing its connection unread (so that its client knows
/// it never ran). It accepts the connections already waiting, closes the listener, reads each
/// connection once more, answers what is there (with `Connection: close`) and closes the rest.
extension RunnerLoop {
    static let drainTimeout: Duration = .seconds(10)

    func beginDrain(reason: String, exitCode: Int32, thread: inout LoopThread, executor: inout some RequestExecutor) {
        guard drain == nil else { return }
        // stop() and signals can arrive while a call runs: the standby then starts the drain, and
        // the answer to the call in flight already says `Connection: close`.
        logger.info("\(reason): finishing the requests already received, then exiting")
        drain = Drain(reason: reason, exitCode: exitCode, deadline: .now + Self.drainTimeout)
        acceptAll(thread: &thread, executor: &executor)
        listener = nil
        for connection in openConnections {
            connection.inputPending = true
            serve(connection, thread: &thread, executor: &executor)
        }
    }

    /// The exit code once a drain has nothing left to do (or ran out of time).
    func finishedDraining() -> Int32? {
        guard let drain, runQueue.isEmpty, running == nil else { return nil }
        let waiting = openConnections.filter { connection in
            if case .lingering = connection.phase { return false }
            return connection.isBusy
        }
        guard waiting.isEmpty || MonotonicInstant.now >= drain.deadline else { return nil }
        for connection in openConnections { close(connection) }
        return drain.exitCode
    }

    /// The interpreter's poll timed out: the idle TTL, or a lingering connection's end.
    func deadlinePassed(thread: inout LoopThread, executor: inout some RequestExecutor) {
        let now = MonotonicInstant.now
        for connection in openConnections {
            if case .lingering(let until, _) = connection.phase, now >= until { close(connection) }
        }
        if drain == nil, let idleTTL = configuration.idleTTL, now >= lastActivity + idleTTL {
            beginDrain(reason: "idle for \(idleTTL.secondsDescription) s", exitCode: 0, thread: &thread, executor: &executor)
        }
    }

    /// On the standby, holding the baton for good: answers the stuck request and every queued one
    /// `RunnerUnresponsive`, then completes the runner with exit code 124. The interpreter thread stays
    /// where it is stuck; the process exits.
    func answerUnresponsive(thread: inout LoopThread) {
        var answered: [Connection] = []
        drain = drain ?? Drain(reason: "unresponsive", exitCode: RunnerExitCode.unresponsive, deadline: .now)
        if let connection = running, case .running(let request, let timeout) = connection.phase {
            connection.phase = .reading
            respond(to: request, on: connection, canned: CannedResponse.unresponsive(after: timeout.duration), thread: &thread)
            answered.append(connection)
        }
        for connection in runQueue {
            guard case .queued(let request, _, let timeout) = connection.phase else { continue }
            connection.phase = .reading
            respond(to: request, on: connection, canned: CannedResponse.unresponsive(after: timeout.duration), thread: &thread)
            answered.append(connection)
        }
        runQueue.removeAll()
        flushBeforeExit(answered)
        logger.warning("runner exiting", metadata: [
            "reason": "an invocation could not be interrupted past its deadline plus \(configuration.timeoutGrace.secondsDescription) s",
            "exit_code": "\(RunnerExitCode.unresponsive)",
        ])
        completion.finish(RunnerExitCode.unresponsive)
    }

    /// Waits (a little) for the last answers to leave before the process exits.
    private func flushBeforeExit(_ connections: [Connection]) {
        let deadline = MonotonicInstant.now + .seconds(1)
        for connection in connections {
            while !connection.output.isEmpty, !connection.broken, MonotonicInstant.now < deadline {
                var descriptor = pollfd(fd: connection.descriptor, events: Int16(POLLOUT), revents: 0)
                _ = Glibc.poll(&descriptor, 1, 100)
                connection.flush()
            }
        }
    }
}
