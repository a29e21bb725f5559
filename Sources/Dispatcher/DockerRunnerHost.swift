import Logging

/// Runners as hardened containers.
struct DockerRunnerHost: RunnerHost {
    let docker: DockerClient
    let logger: Logger

    func start(spec: ContainerSpec, name: String) async throws -> RunnerHandle {
        let id: String
        do {
            id = try await docker.createContainer(name: name, spec.createRequest)
        } catch let error as DockerError {
            throw DispatcherError.docker(error)
        }
        let handle = RunnerHandle(id: id, name: name, directory: spec.hostSocketDirectory)
        do {
            try await docker.startContainer(id)
        } catch let error as DockerError {
            try? await docker.removeContainer(id)
            throw DispatcherError.runnerStartFailed(reason: error.description)
        }
        return handle
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
