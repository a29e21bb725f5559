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

    func diagnose(_ handle: RunnerHandle) async -> RunnerEnd {
        // The socket closes a moment before the daemon notices the exit.
        guard (try? await docker.waitContainer(handle.id, timeout: .seconds(3))) != nil,
            let inspect = try? await docker.inspectContainer(handle.id)
        else {
            if let inspect = try? await docker.inspectContainer(handle.id), inspect.State.Running { return .running }
            return .gone
        }
        if inspect.State.Running { return .running }
        if inspect.State.OOMKilled { return .outOfMemory }
        let logs = (try? await docker.logs(handle.id, tail: 20)) ?? ""
        return .exited(code: inspect.State.ExitCode, logTail: logs)
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
