import Logging

/// Runners as hardened containers.
struct DockerRunnerHost: RunnerHost {
    let docker: DockerClient
    let logger: Logger

    func start(spec: ContainerSpec, name: String) async throws -> RunnerHandle {
        // Create and start are not cut short by the caller's cancellation: a create interrupted while
        // the daemon is still working on it leaves a container that no removal sent meanwhile can
        // find. They take a fraction of a second; the cancellation is honoured right after.
        let docker = self.docker
        let handle = try await Task.detached {
            try await Self.createAndStart(docker: docker, spec: spec, name: name)
        }.value
        if Task.isCancelled {
            await removeDetached(handle.id)
            throw CancellationError()
        }
        return handle
    }

    private static func createAndStart(docker: DockerClient, spec: ContainerSpec, name: String) async throws
        -> RunnerHandle
    {
        let id: String
        do {
            id = try await docker.createContainer(name: name, spec.createRequest)
        } catch let error as DockerError {
            throw DispatcherError.docker(error)
        }
        do {
            try await docker.startContainer(id)
        } catch {
            try? await docker.removeContainer(id)
            if let error = error as? DockerError { throw DispatcherError.runnerStartFailed(reason: error.description) }
            throw error
        }
        return RunnerHandle(id: id, name: name, directory: spec.hostSocketDirectory)
    }

    func isRunning(_ handle: RunnerHandle) async -> Bool {
        guard let inspect = try? await docker.inspectContainer(handle.id) else { return false }
        return inspect.State.Running
    }

    func diagnose(_ handle: RunnerHandle, since: Int64) async -> RunnerEnd {
        // Containers remove themselves when they exit (AutoRemove), so inspect may find nothing: how
        // it ended comes from the daemon's event log, which outlives the container.
        var waitedCode: Int?
        do {
            // The socket closes a moment before the daemon notices the exit.
            waitedCode = try await docker.waitContainer(handle.id, timeout: .seconds(3))
        } catch DockerError.noSuchContainer {
            // Already exited and removed.
        } catch {
            if let inspect = try? await docker.inspectContainer(handle.id), inspect.State.Running { return .running }
        }
        var events: [DockerEvent] = []
        // `die` is logged just after the exit wakes the wait above, and the `oom` of a kernel kill
        // (exit code 137) may trail it: look again briefly until the picture is complete.
        let started = ContinuousClock.now
        while true {
            guard
                let found = try? await docker.containerEvents(
                    handle.id, actions: ["oom", "die", "kill"], since: since - 1)
            else { break }
            events = found
            if events.contains(where: { $0.action == "oom" }) { return .outOfMemory }
            let elapsed = ContinuousClock.now - started
            if let died = events.last(where: { $0.action == "die" }) {
                if died.exitCode != 137 || elapsed > .milliseconds(300) { break }
            } else if elapsed > .seconds(2) {
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        // Killed through the API (`pylambda gc`, `docker rm -f`): not the runner's own doing.
        if events.contains(where: { $0.action == "kill" }) { return .gone }
        var code = events.last { $0.action == "die" }?.exitCode ?? waitedCode
        if let inspect = try? await docker.inspectContainer(handle.id) {
            // A container created before AutoRemove was used keeps its state.
            if inspect.State.Running { return .running }
            if inspect.State.OOMKilled { return .outOfMemory }
            code = code ?? inspect.State.ExitCode
        }
        guard let code else { return .gone }
        // Usually gone with its container; kept when it could still be read.
        let logs = (try? await docker.logs(handle.id, tail: 20)) ?? ""
        return .exited(code: code, logTail: logs)
    }

    /// Removes a container from a task of its own: cleanup after a cancellation must not inherit it
    /// (AsyncHTTPClient fails at once in a cancelled task, which would leave the container behind).
    private func removeDetached(_ idOrName: String) async {
        let docker = self.docker
        let logger = self.logger
        await Task.detached {
            do {
                try await docker.removeContainer(idOrName)
            } catch {
                logger.warning("could not remove container \(idOrName): \(error)")
            }
        }.value
    }

    func destroy(_ handle: RunnerHandle) async {
        do {
            try await docker.removeContainer(handle.id)
        } catch {
            logger.warning("could not remove container \(handle.name): \(error)")
        }
        SmallFile.removeDirectory(handle.directory)
    }

    func shutdown() async {
        try? await docker.shutdown()
    }
}
