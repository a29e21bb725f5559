import Logging
import RunnerProtocol

/// A runner handed out for exactly one invocation; give it back with `release`.
struct RunnerLease: Sendable {
    var handle: RunnerHandle
    var functionKey: String
}

/// Which runners exist, which are busy, and who waits. All the scheduling decisions (reuse, warm
/// pool, scale-out, queueing, eviction, idle expiry) are made here, in one actor, so that they never
/// see each other half done; the slow parts (starting, loading, removing) happen outside its state
/// changes, which are always made before any `await`.
actor ContainerPool {
    private final class Entry {
        let handle: RunnerHandle
        let lock: RunnerLock
        let configKey: String
        var codeHash: String?
        var busy: Bool
        var lastUsed: ContinuousClock.Instant

        init(
            handle: RunnerHandle, lock: RunnerLock, configKey: String, codeHash: String?, busy: Bool,
            lastUsed: ContinuousClock.Instant = .now
        ) {
            self.handle = handle
            self.lock = lock
            self.configKey = configKey
            self.codeHash = codeHash
            self.busy = busy
            self.lastUsed = lastUsed
        }

        var functionKey: String { ContainerPool.functionKey(codeHash: codeHash, configKey: configKey) }
    }

    private struct Waiter {
        let id: UInt64
        let functionKey: String
        /// Resumed with a runner handed over directly, or nil to look again (capacity changed).
        let continuation: CheckedContinuation<RunnerLease?, any Error>
    }

    let configuration: DispatcherConfiguration
    let host: any RunnerHost
    let runner: RunnerClient
    let owner: String
    let logger: Logger

    private var entries: [String: Entry] = [:]
    private var starting: [String: Int] = [:]
    private var startingTotal = 0
    private var startingGeneric = 0
    private var waiters: [Waiter] = []
    private var nextID: UInt64 = 0
    private var backgroundTasks: [UInt64: Task<Void, Never>] = [:]
    private var isShutDown = false

    init(configuration: DispatcherConfiguration, host: any RunnerHost, runner: RunnerClient, owner: String) {
        self.configuration = configuration
        self.host = host
        self.runner = runner
        self.owner = owner
        self.logger = configuration.logger
    }

    static func functionKey(codeHash: String?, configKey: String) -> String {
        "\(codeHash ?? "generic")|\(configKey)"
    }

    // MARK: Handing out runners

    func acquire(code: String, codeHash: String, function: FunctionConfiguration) async throws -> RunnerLease {
        let key = Self.functionKey(codeHash: codeHash, configKey: function.containerKey)
        // A call that was let into the queue is never refused afterwards, however often it looks again.
        var admitted = false
        while true {
            if isShutDown { throw DispatcherError.shutDown }
            // A caller that gave up (perhaps while queued) takes nothing and starts nothing.
            try Task.checkCancellation()
            // Most recently used first, so that the extra containers of a scale-out go idle and expire.
            if let entry = entries.values.filter({ !$0.busy && $0.functionKey == key })
                .max(by: { $0.lastUsed < $1.lastUsed }) ?? adoptCandidate(functionKey: key)
            {
                entry.busy = true
                return makeLease(entry)
            }
            let count = entries.values.count { $0.functionKey == key } + starting[key, default: 0]
            if count < configuration.maxContainersPerFunction {
                // A warm generic runner needs no room; only a new container may evict an idle one.
                let generic = takeGeneric(configKey: function.containerKey)
                if generic != nil || makeRoom() {
                    return try await startRunner(
                        code: code, codeHash: codeHash, function: function, key: key, generic: generic)
                }
            }
            let queued = waiters.count { $0.functionKey == key }
            if !admitted && queued >= configuration.maxQueuedInvocationsPerFunction {
                throw DispatcherError.tooManyConcurrentInvocations(
                    limit: configuration.maxContainersPerFunction, queued: queued)
            }
            admitted = true
            nextID += 1
            let id = nextID
            let handedOver = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    waiters.append(Waiter(id: id, functionKey: key, continuation: continuation))
                }
            } onCancel: {
                Task { await self.cancelWaiter(id) }
            }
            if let handedOver {
                // Handed over just as the caller gave up: the runner is fine, give it back untouched.
                if Task.isCancelled {
                    release(handedOver, healthy: true)
                    throw CancellationError()
                }
                return handedOver
            }
        }
    }

    /// `healthy: false` removes the runner (timeout, crash, unknown state); it is never reused.
    func release(_ lease: RunnerLease, healthy: Bool) {
        guard let entry = entries[lease.handle.id] else {
            wakeWaiters()
            return
        }
        guard healthy, !isShutDown else {
            remove(entry)
            wakeWaiters()
            schedulePoolRefill()
            return
        }
        entry.lastUsed = .now
        entry.lock.touch()
        if let index = waiters.firstIndex(where: { $0.functionKey == entry.functionKey }) {
            let waiter = waiters.remove(at: index)
            waiter.continuation.resume(returning: makeLease(entry))
            return
        }
        entry.busy = false
        wakeWaiters()
    }

    private func makeLease(_ entry: Entry) -> RunnerLease {
        RunnerLease(handle: entry.handle, functionKey: entry.functionKey)
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Everyone waiting looks again; each either finds room now or queues again.
    private func wakeWaiters() {
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.continuation.resume(returning: nil) }
    }

    /// True when one more runner fits under `maxContainers`, evicting the least recently used idle
    /// runner if that is what it takes.
    private func makeRoom() -> Bool {
        if entries.count + startingTotal < configuration.maxContainers { return true }
        guard let victim = entries.values.filter({ !$0.busy }).min(by: { $0.lastUsed < $1.lastUsed }) else {
            return false
        }
        logger.debug("evicting least recently used runner \(victim.handle.name)")
        remove(victim)
        return true
    }

    // MARK: Starting runners

    /// An idle generic runner of this configuration, marked busy (the warm pool is refilled), or nil.
    private func takeGeneric(configKey: String) -> Entry? {
        guard let generic = entries.values.first(where: { !$0.busy && $0.codeHash == nil && $0.configKey == configKey })
            ?? adoptCandidate(functionKey: Self.functionKey(codeHash: nil, configKey: configKey))
        else { return nil }
        generic.busy = true
        schedulePoolRefill()
        return generic
    }

    /// Loads the code into `generic` (taken with `takeGeneric`) when given, else (or when that fails
    /// for a reason another runner may not have) into a new runner; the caller made room for it.
    private func startRunner(
        code: String, codeHash: String, function: FunctionConfiguration, key: String, generic: Entry?
    ) async throws -> RunnerLease {
        starting[key, default: 0] += 1
        startingTotal += 1
        defer {
            starting[key, default: 1] -= 1
            if starting[key] == 0 { starting[key] = nil }
            startingTotal -= 1
            // Whatever happened, capacity changed: a failed start must not leave queued calls waiting.
            wakeWaiters()
        }
        // A warm generic runner: only `/load` to pay.
        if let generic {
            do {
                try await load(generic.handle, code: code)
                generic.codeHash = codeHash
                SmallFile.write(generic.handle.directory + "/code-sha256", codeHash)
                return makeLease(generic)
            } catch {
                // Its slot is the room the new runner below takes.
                remove(generic)
                if Self.isFinal(error) { throw error }
                logger.info("warm runner \(generic.handle.name) failed to load (\(error)); starting a new one")
            }
        }
        var lastError: any Error = DispatcherError.runnerStartFailed(reason: "unknown")
        // Starting and loading never run user code's entrypoint, so one more attempt is harmless.
        for _ in 0..<2 {
            if isShutDown { throw DispatcherError.shutDown }
            let launched: (RunnerHandle, RunnerLock)
            do {
                launched = try await launch(function: function, codeHash: codeHash)
            } catch let error as DispatcherError {
                if case .docker = error { throw error }
                lastError = error
                continue
            }
            let entry = Entry(
                handle: launched.0, lock: launched.1, configKey: function.containerKey, codeHash: codeHash, busy: true)
            entries[entry.handle.id] = entry
            if isShutDown {
                remove(entry)
                throw DispatcherError.shutDown
            }
            do {
                try await load(entry.handle, code: code)
                return makeLease(entry)
            } catch {
                remove(entry)
                if Self.isFinal(error) { throw error }
                lastError = error
            }
        }
        throw lastError
    }

    /// Errors that another runner would not fix: the code itself, or the caller giving up.
    private static func isFinal(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if case DispatcherError.loadFailed = error { return true }
        return false
    }

    /// Creates, starts and waits for a runner; it is not in `entries` yet.
    private func launch(function: FunctionConfiguration, codeHash: String?) async throws -> (RunnerHandle, RunnerLock) {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let name = "pylambda-\(codeHash.map { String($0.prefix(12)) } ?? "pool")-\(suffix)"
        let directory = configuration.stateDirectory + "/" + name
        // 0o777: the runner (uid 65534) creates its socket here. Only it and this user can reach it:
        // the state directory above is 0o700, and the container sees this one through its bind mount.
        guard SmallFile.makeDirectory(directory, mode: 0o777) else {
            throw DispatcherError.runnerStartFailed(reason: "cannot create the socket directory \(directory)")
        }
        guard let lock = RunnerLock(directory: directory) else {
            SmallFile.removeDirectory(directory)
            throw DispatcherError.runnerStartFailed(reason: "cannot lock the socket directory \(directory)")
        }
        if let codeHash { SmallFile.write(directory + "/code-sha256", codeHash) }
        let shared = configuration.keepWarmAfterShutdown
        // An owned runner outlives the dispatcher's own idle expiry a little, so the dispatcher is the
        // one to remove it; its own TTL only matters if the dispatcher is gone.
        let runnerTTL = min(configuration.idleTTLSeconds + (shared ? 0 : 60), DispatcherConfiguration.maxIdleTTLSeconds)
        let spec = ContainerSpec(
            image: configuration.image, function: function, codeHash: codeHash, owner: owner, shared: shared,
            hostSocketDirectory: directory, runnerIdleTTLSeconds: runnerTTL)
        let handle: RunnerHandle
        let started = UnixTime.now()
        do {
            handle = try await host.start(spec: spec, name: name)
        } catch {
            SmallFile.removeDirectory(directory)
            throw error
        }
        do {
            try await waitUntilHealthy(handle, since: started)
        } catch {
            // Often a cancellation: the removal must not run in the cancelled task, or it fails at once.
            let host = self.host
            await Task.detached { await host.destroy(handle) }.value
            throw error
        }
        return (handle, lock)
    }

    /// Polls `/healthz` every few milliseconds: a runner is usually up in tens of milliseconds, and a
    /// fixed sleep would either waste them or be too short on a loaded machine.
    private func waitUntilHealthy(_ handle: RunnerHandle, since: Int64) async throws {
        let deadline = ContinuousClock.now + configuration.startTimeout
        var polls = 0
        while ContinuousClock.now < deadline {
            if await runner.isHealthy(socketPath: handle.socketPath) { return }
            polls += 1
            if polls % 40 == 0, await !host.isRunning(handle) {
                let reason: String
                switch await host.diagnose(handle, since: since) {
                case .exited(let code, let logs): reason = "the runner exited with code \(code) while starting: \(logs)"
                case .outOfMemory: reason = "the runner ran out of memory while starting"
                case .gone: reason = "the runner's container was removed while starting"
                case .running: continue
                }
                throw DispatcherError.runnerStartFailed(reason: reason)
            }
            try await Task.sleep(for: .milliseconds(3))
        }
        throw DispatcherError.runnerStartFailed(
            reason: "\(handle.name) did not answer \(RunnerPath.health) within \(configuration.startTimeout)")
    }

    private func load(_ handle: RunnerHandle, code: String) async throws {
        do {
            _ = try await runner.load(socketPath: handle.socketPath, code: code)
        } catch let error as RunnerErrorResponse {
            if error.status == 400, let body = error.body {
                throw DispatcherError.loadFailed(
                    type: body.error.type, message: body.error.message, traceback: body.error.traceback)
            }
            throw DispatcherError.runnerStartFailed(reason: "/load answered \(error.status): \(error.raw)")
        } catch let error as RunnerTransportError {
            throw DispatcherError.runnerStartFailed(reason: "lost the runner during /load: \(error.underlying)")
        }
    }

    /// After a timeout killed a function's container: start a fresh one now, so that the next call
    /// does not pay for it. Only when the function has no other container and there is room.
    func replaceInBackground(code: String, codeHash: String, function: FunctionConfiguration) {
        let key = Self.functionKey(codeHash: codeHash, configKey: function.containerKey)
        guard !isShutDown, entries.values.count(where: { $0.functionKey == key }) + starting[key, default: 0] == 0,
            entries.count + startingTotal < configuration.maxContainers
        else { return }
        spawn { pool in
            do {
                let lease = try await pool.startRunner(
                    code: code, codeHash: codeHash, function: function, key: key,
                    generic: pool.takeGeneric(configKey: function.containerKey))
                pool.release(lease, healthy: true)
            } catch {
                pool.logger.info("could not start a replacement runner: \(error)")
            }
        }
    }

    // MARK: Warm pool and expiry

    /// Starts generic runners in the background until the warm pool is full (never past the cap).
    func schedulePoolRefill() {
        guard !isShutDown else { return }
        // A busy generic runner is being loaded with code: it no longer counts as warm.
        let generic = entries.values.count { $0.codeHash == nil && !$0.busy } + startingGeneric
        var missing = configuration.warmPoolSize - generic
        while missing > 0 && entries.count + startingTotal < configuration.maxContainers {
            missing -= 1
            startingGeneric += 1
            startingTotal += 1
            spawn { await $0.startGeneric() }
        }
    }

    private func startGeneric() async {
        defer {
            startingGeneric -= 1
            startingTotal -= 1
            wakeWaiters()
        }
        do {
            let (handle, lock) = try await launch(function: configuration.function, codeHash: nil)
            if isShutDown {
                await host.destroy(handle)
                return
            }
            entries[handle.id] = Entry(
                handle: handle, lock: lock, configKey: configuration.function.containerKey, codeHash: nil, busy: false)
        } catch {
            logger.warning("could not start a warm-pool runner: \(error)")
        }
    }

    /// Removes runners idle for longer than the TTL (warm-pool ones are then replaced, fresh).
    func expireIdle() {
        let now = ContinuousClock.now
        var removedGeneric = false
        for entry in entries.values where !entry.busy && now - entry.lastUsed > configuration.idleTTL {
            logger.debug("removing idle runner \(entry.handle.name)")
            if entry.codeHash == nil { removedGeneric = true }
            remove(entry)
        }
        if removedGeneric { schedulePoolRefill() }
        // A safety net: waiting calls look again now and then, so that no missed wake-up strands them.
        wakeWaiters()
    }

    /// A runner another process left warm, not locked yet: it is only taken (locked) when a call
    /// needs exactly it, so that parallel processes do not grab each other's runners.
    private struct Candidate {
        var id: String
        var name: String
        var directory: String
        var configKey: String
        var codeHash: String?
        var runnerTTL: Double
        var functionKey: String { ContainerPool.functionKey(codeHash: codeHash, configKey: configKey) }
    }

    private var candidates: [Candidate] = []

    /// Remembers a running shared container as available for adoption.
    func offer(_ container: ContainerSummary) {
        guard let labels = container.Labels, let directory = labels[ContainerLabel.socketDirectory],
            let configKey = labels[ContainerLabel.configuration]
        else { return }
        var codeHash = labels[ContainerLabel.codeHash].flatMap { $0.isEmpty ? nil : $0 }
        if codeHash == nil, let recorded = SmallFile.read(directory + "/code-sha256"), !recorded.isEmpty {
            codeHash = recorded
        }
        candidates.append(
            Candidate(
                id: container.Id, name: container.name, directory: directory, configKey: configKey,
                codeHash: codeHash, runnerTTL: Double(labels[ContainerLabel.idleTTL] ?? "") ?? 0))
    }

    /// Locks and takes over a candidate for `functionKey`; nil when none is free, or all that are
    /// about to expire by themselves.
    private func adoptCandidate(functionKey: String) -> Entry? {
        while let index = candidates.firstIndex(where: { $0.functionKey == functionKey }) {
            let candidate = candidates.remove(at: index)
            guard !isShutDown, entries[candidate.id] == nil,
                let lock = RunnerLock(directory: candidate.directory)
            else { continue }
            let idle = SmallFile.secondsSinceModified(lock.path) ?? 0
            if candidate.runnerTTL > 0 && idle > candidate.runnerTTL - 3 { continue }
            let entry = Entry(
                handle: RunnerHandle(id: candidate.id, name: candidate.name, directory: candidate.directory),
                lock: lock, configKey: candidate.configKey, codeHash: candidate.codeHash, busy: false,
                lastUsed: .now - .seconds(idle))
            entries[candidate.id] = entry
            logger.debug("reusing \(candidate.name), left warm by another process")
            return entry
        }
        return nil
    }

    func snapshot() -> [RunnerInfo] {
        let now = ContinuousClock.now
        return entries.values.map {
            let idle = now - $0.lastUsed
            return RunnerInfo(
                id: $0.handle.id, name: $0.handle.name, codeHash: $0.codeHash, busy: $0.busy,
                idleSeconds: $0.busy
                    ? 0 : Double(idle.components.seconds) + Double(idle.components.attoseconds) / 1e18)
        }.sorted { $0.name < $1.name }
    }

    // MARK: Removal and shutdown

    private func remove(_ entry: Entry) {
        entries[entry.handle.id] = nil
        // Room for another runner: calls queued for it look again.
        wakeWaiters()
        let host = self.host
        let handle = entry.handle
        // The lock stays held until the runner is gone, so no other process adopts it meanwhile.
        let lock = entry.lock
        spawn { _ in
            await host.destroy(handle)
            withExtendedLifetime(lock) {}
        }
    }

    private func spawn(_ operation: @escaping @Sendable (isolated ContainerPool) async -> Void) {
        nextID += 1
        let id = nextID
        backgroundTasks[id] = Task {
            await operation(self)
            self.backgroundTasks[id] = nil
        }
    }

    /// Fails the waiting calls, lets background starts and removals finish, then removes every runner
    /// (or, with `keepWarm`, every busy one: an interrupted call leaves its runner in no known state).
    func shutdown(keepWarm: Bool) async {
        isShutDown = true
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.continuation.resume(throwing: DispatcherError.shutDown) }
        while let task = backgroundTasks.values.first {
            await task.value
        }
        let doomed = entries.values.filter { !keepWarm || $0.busy }
        entries.removeAll()
        let host = self.host
        await withTaskGroup(of: Void.self) { group in
            for entry in doomed {
                let handle = entry.handle
                group.addTask { await host.destroy(handle) }
            }
        }
    }
}
