import EmbeddedPython
import PosixThreads
import RunnerHTTP
import Synchronization

/// The runner's second loop thread. While the interpreter thread is busy in a Python call for longer
/// than `standbyDelay`, it takes over the epoll set: it answers health checks (and the runner's own
/// errors) itself, and queues /load and /run for the interpreter thread, which runs them when its call
/// is over. It is also the deadline watchdog's clock: it interrupts calls past their deadline, and gives
/// the interpreter up (answering 504, exiting 124) when a call cannot be interrupted.
///
/// It costs nothing per call. While calls come and go it wakes once per `standbyDelay` to look at
/// the baton (no system call on the interpreter's side); after a quiet spell it sleeps until the next
/// call starts.
final class StandbyThread: @unchecked Sendable {
    private let loop: RunnerLoop
    private let delay: Duration
    private let stopRequested = Atomic<Bool>(false)
    private var thread: PosixThread?

    init(loop: RunnerLoop) {
        self.loop = loop
        delay = loop.configuration.standbyDelay
    }

    func start() {
        thread = PosixThread.start(name: "standby", stackSize: 512 << 10) { self.main() }
    }

    /// Stops the thread once the interpreter's loop has ended, and waits for it.
    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        loop.baton.wakeUp()
        thread?.join()
    }

    private var shouldStop: Bool { stopRequested.load(ordering: .relaxed) }

    private func main() {
        var watched: (call: UInt64, since: MonotonicInstant) = (0, .now)
        var lastSeen = loop.baton.state
        while !shouldStop {
            let now = MonotonicInstant.now
            var wakeAt = MonotonicInstant.never
            switch loop.watchdog.check(now: now) {
            case .unresponsive(let call):
                if loop.baton.take(during: call.id) {
                    giveUp()
                    return
                }
                // The call ended after all (the next check says so), or the baton is not this
                // call's: look again after a pause rather than spin on the watchdog's lock.
                loop.baton.nap(until: now + delay)
                continue
            case .checkAt(let instant):
                wakeAt = instant
            case .idle:
                break
            }
            let state = loop.baton.state
            if state.tag == .available {
                if state.call != watched.call {
                    watched = (state.call, now)
                }
                if now >= watched.since + delay, loop.baton.take(during: state.call) {
                    if !pollWhileInterpreterIsBusy() { return }
                    lastSeen = loop.baton.state
                    continue
                }
                wakeAt = min(wakeAt, watched.since + delay)
            } else if state == lastSeen, wakeAt == .never {
                // No call since the last look: sleep until one starts.
                loop.baton.sleepUntilCall(after: state) { shouldStop }
                continue
            } else {
                wakeAt = min(wakeAt, now + delay)
            }
            lastSeen = state
            loop.baton.nap(until: wakeAt)
        }
    }

    /// Polls in the interpreter's place until it reclaims the baton. False if the interpreter was given
    /// up (the runner is exiting).
    private func pollWhileInterpreterIsBusy() -> Bool {
        var thread = LoopThread(role: .standby)
        var executor = StandbyExecutor()
        while true {
            if loop.baton.isReclaimed {
                loop.baton.giveBack()
                return true
            }
            var wakeAt = loop.nextQueuedDeadline()
            switch loop.watchdog.check() {
            case .unresponsive:
                giveUp()
                return false
            case .checkAt(let instant):
                wakeAt = min(wakeAt, instant)
            case .idle:
                break
            }
            let count = loop.poll.wait(into: &thread.events, timeoutMilliseconds: wakeAt.millisecondsFromNow())
            for index in 0..<count {
                let (token, events) = thread.events[index]
                loop.handle(token: token, events: events, thread: &thread, executor: &executor)
            }
            loop.expireQueued(thread: &thread, executor: &executor)
        }
    }

    /// The running call is stuck in C: answer it and everything queued, then end the process.
    private func giveUp() {
        var thread = LoopThread(role: .standby)
        loop.answerUnresponsive(thread: &thread)
    }
}

extension RunnerLoop {
    /// The earliest deadline of a queued request.
    func nextQueuedDeadline() -> MonotonicInstant {
        var next = MonotonicInstant.never
        for connection in runQueue {
            if case .queued(_, let deadline, _) = connection.phase { next = min(next, deadline) }
        }
        return next
    }

    /// Answers queued requests whose deadline passed before they could start.
    func expireQueued(thread: inout LoopThread, executor: inout StandbyExecutor) {
        let now = MonotonicInstant.now
        var index = 0
        while index < runQueue.count {
            let connection = runQueue[index]
            guard case .queued(let request, let deadline, let timeout) = connection.phase, now >= deadline else {
                index += 1
                continue
            }
            runQueue.remove(at: index)
            connection.phase = .reading
            respond(to: request, on: connection, canned: CannedResponse.timedOut(after: timeout.duration, started: false), thread: &thread)
            serve(connection, thread: &thread, executor: &executor)
        }
    }
}
