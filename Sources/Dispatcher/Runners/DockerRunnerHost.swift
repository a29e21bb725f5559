import DockerEngine
import Logging
import Synchronization

/// Runners as hardened containers.
final class DockerRunnerHost: RunnerHost {
    let docker: DockerConnection
    let logger: Logger
    /// Containers started under gVisor: their removal also checks for sandbox processes left behind.
    private let sandboxed = Mutex<Set<String>>([])

    init(docker: DockerConnection, logger: Logger) {
        self.docker = docker
        self.logger = logger
    }

    func start(_ spec: ContainerSpec, directory: RunnerDirectory) async throws(DispatcherError) -> String {
        let docker = try await self.docker.client()
        let id: String
        do {
            id = try await docker.createContainer(name: spec.name, spec.createRequest)
        } catch {
            throw .docker(error)
        }
        let gvisor = spec.configuration.runtime == .gvisor
        if gvisor { sandboxed.withLock { _ = $0.insert(id) } }
        do {
            try await docker.startContainer(id)
        } catch {
            await destroy(id)
            throw .runnerStartFailed(reason: error.description)
        }
        return id
    }

    func isRunning(_ id: String) async -> Bool {
        guard let docker = try? await docker.client(), let inspect = try? await docker.inspectContainer(id) else {
            return false
        }
        return inspect.state.running
    }

    /// How long after a container's `die` with exit code 137 its `oom` event may still come. 1.5 s
    /// was once not enough for a gVisor runner during a full test run (two cores, tests in parallel):
    /// its OOM was reported as "signal 9". Only calls whose runc runner died with 137 wait this long
    /// (gVisor's `oom` may never come; see `diagnose`).
    static let oomEventGrace: Duration = .seconds(3)
    /// How long `diagnose` keeps looking when no `die` event has come yet, or when the daemon's events
    /// query fails: a daemon busy with an exit answers late, and giving up at once loses the `oom`.
    /// (One more query and a pause of `eventsQueryInterval` may follow the last look.)
    static let dieEventGrace: Duration = .seconds(2)
    /// The pause between two looks at the daemon's events while `diagnose` waits for them.
    static let eventsQueryInterval: Duration = .milliseconds(50)

    func diagnose(_ id: String, directory: RunnerDirectory?, since: Int64) async -> RunnerEnd {
        guard let docker = try? await docker.client() else { return .gone }
        // Containers remove themselves when they exit (AutoRemove), so inspect may find nothing: how
        // it ended comes from the daemon's event log, which outlives the container.
        var waitedCode: Int?
        do {
            // The socket closes a moment before the daemon notices the exit.
            waitedCode = try await docker.waitContainer(id, timeout: .seconds(3))
        } catch DockerError.noSuchContainer {
            // Already exited and removed.
        } catch {
            if let inspect = try? await docker.inspectContainer(id), inspect.state.running { return .running }
        }
        var events: [DockerEvent] = []
        // `die` is logged just after the exit wakes the wait above, and the `oom` of a kernel kill
        // (exit code 137) may trail it: look again briefly until the picture is complete. On a loaded
        // machine it trailed by more than 300 ms (a CI run read an OOM as "signal 9"), so a 137 waits
        // up to `oomEventGrace`; only calls whose runner died pay it. A failed query is asked again
        // within the same limits (a single failed query used to end this loop, the likely cause of a
        // gVisor OOM read as "signal 9" in another CI run). Time is read after each query, so a query
        // that hangs until its timeout ends the loop rather than starting another.
        let started = ContinuousClock.now
        var sawDie137 = false
        let isGVisor = sandboxed.withLock { $0.contains(id) }
        while true {
            let found = try? await docker.containerEvents(id, actions: ["oom", "die", "kill"], since: since - 1)
            let elapsed = ContinuousClock.now - started
            if let found {
                events = found
                if events.contains(where: { $0.action == "oom" }) { return .outOfMemory }
                if let died = events.last(where: { $0.action == "die" }) {
                    if died.exitCode != 137 { break }
                    // gVisor: the daemon's `oom` may never come. A sandbox killed at its memory limit
                    // died with 137 and no `oom` at all in about one run in three with the CPU busy
                    // (the test suite's own load). A SIGKILL that nobody sent through the API (no
                    // `kill` event, which comes before the `die`) is taken for the memory limit, as it
                    // almost always is; a function that sends itself SIGKILL is reported as out of
                    // memory.
                    if isGVisor, !events.contains(where: { $0.action == "kill" }) { return .outOfMemory }
                    sawDie137 = true
                }
            }
            if elapsed > (sawDie137 ? Self.oomEventGrace : Self.dieEventGrace) { break }
            // A cancelled task's sleeps return at once: after one look, stop rather than query back to back.
            if Task.isCancelled { break }
            try? await Task.sleep(for: Self.eventsQueryInterval)
        }
        // Killed through the API (`pylambda gc`, `docker rm -f`): not the runner's own doing.
        if events.contains(where: { $0.action == "kill" }) { return .gone }
        var code = events.last { $0.action == "die" }?.exitCode ?? waitedCode
        if let inspect = try? await docker.inspectContainer(id) {
            if inspect.state.running { return .running }
            if inspect.state.oomKilled { return .outOfMemory }
            code = code ?? inspect.state.exitCode
        }
        guard let code else { return .gone }
        // Usually gone with its container; kept when it could still be read.
        let logs = (try? await docker.logs(id, tail: 20)) ?? ""
        return .exited(code: code, logTail: logs)
    }

    func destroy(_ id: String) async {
        guard let docker = try? await docker.client() else { return }
        do {
            try await docker.removeContainer(id)
        } catch {
            logger.warning("could not remove container \(id): \(error)")
        }
        if sandboxed.withLock({ $0.remove(id) }) != nil {
            let killed = GVisorSandboxes.killLeftovers(of: id)
            if killed > 0 { logger.warning("killed \(killed) gVisor sandbox processes left by container \(id)") }
        }
    }

    func shutdown() async {
        await docker.shutdown()
    }
}
