import Synchronization

/// A runner that exists: its container (or process), its host directory, and the lock this dispatcher
/// holds on it. Everything a call needs is computed once here, not per call.
final class LaunchedRunner: Sendable {
    let name: String
    /// Container id, or `process-<pid>`.
    let containerID: String
    let directory: RunnerDirectory
    let lock: RunnerLock
    let lifetime: RunnerLifetime
    /// The runner's socket, which `RunnerClient` connects to.
    let socketPath: String
    /// Unix seconds of the last `lock` touch: touched at most once a second, not on every call.
    private let lastTouch = Atomic<Int64>(0)
    private let served = Atomic<Bool>(false)

    init(name: String, containerID: String, directory: RunnerDirectory, lock: RunnerLock, lifetime: RunnerLifetime) {
        self.name = name
        self.containerID = containerID
        self.directory = directory
        self.lock = lock
        self.lifetime = lifetime
        socketPath = directory.socketPath
    }

    /// True the first time only: the call that gets a runner first pays for its start.
    func takeFirstCall() -> Bool {
        !served.exchange(true, ordering: .relaxed)
    }

    /// Whether no call has been sent to it yet (the lease holder's call would be its first).
    var isUnused: Bool { !served.load(ordering: .relaxed) }

    /// A shared runner (left warm for other processes) is marked "in a call" while one runs
    /// (`RunnerLock.markInCall`), so that if this process dies meanwhile, no other takes it over
    /// and the next sweep removes it. An owned runner goes with its dispatcher: no mark, no cost.
    func beginCall() {
        if lifetime == .shared { lock.markInCall() }
    }

    func endCall() {
        if lifetime == .shared { lock.markIdle() }
    }

    /// Records "used now" on the lock file (what `pylambda ps` shows and other processes read before
    /// adopting the runner), at most once a second.
    func markUsed(now: Int64) {
        guard lastTouch.exchange(now, ordering: .relaxed) != now else { return }
        lock.touch()
    }
}

/// A runner handed out for exactly one invocation; give it back with `ContainerPool.release`.
struct RunnerLease: Sendable {
    let id: PoolRunnerID
    let runner: LaunchedRunner
}
