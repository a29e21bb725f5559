import DockerEngine

/// A runner as `pylambda ps` shows it: what the host's records say, joined with the daemon's view.
public struct ManagedRunner: Sendable, Hashable {
    public var name: String
    public var containerID: String?
    /// The loaded code's hash (`FunctionDefinition.codeHash`); nil for a warm-pool runner with no code yet.
    public var codeHash: String?
    public var lifetime: RunnerLifetime
    /// The container's state (`running`, `exited`, ...), or `gone` when the daemon has no such container.
    public var state: String
    /// Unix seconds.
    public var created: Int64
    /// Seconds since the last call; nil when unknown.
    public var idleSeconds: Double?
    public var ownerPID: Int32?
    /// True while a dispatcher holds the runner (it is in use, or owned by a live dispatcher).
    public var locked: Bool
}

/// The runners of one state directory, for `pylambda ps` and `pylambda gc`.
///
/// Only what the host recorded counts as PyLambda's: a container that merely carries PyLambda's labels
/// (any image can) is listed separately by `foreignContainers` and is never a reason to touch a path.
public struct ManagedRunners: Sendable {
    let stateDirectory: StateDirectory
    let docker: DockerClient

    public init(stateDirectory: String = DispatcherConfiguration.defaultStateDirectory, docker: DockerClient)
        throws(DispatcherError)
    {
        do {
            self.stateDirectory = try StateDirectory.open(path: stateDirectory)
        } catch {
            throw .stateDirectory(error)
        }
        self.docker = docker
    }

    /// Every runner recorded in the state directory.
    public func list() async throws(DispatcherError) -> [ManagedRunner] {
        let containers = try await labelledContainers()
        let byID = Dictionary(containers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return stateDirectory.runnerNames().sorted().compactMap { name in
            guard let directory = stateDirectory.runnerDirectory(named: name), let record = directory.record,
                record.name == name
            else { return nil }
            let container = record.containerID.flatMap { byID[$0] }
            return ManagedRunner(
                name: name, containerID: record.containerID, codeHash: record.codeHash, lifetime: record.lifetime,
                state: container?.state ?? "gone", created: record.created, idleSeconds: directory.secondsSinceUsed,
                ownerPID: DispatcherIdentity(label: record.owner)?.pid, locked: !directory.lockIsFree)
        }
    }

    /// Containers that carry `pylambda.managed=true` but belong to no runner recorded here: another
    /// state directory's, or an impostor's.
    public func foreignContainers() async throws(DispatcherError) -> [ContainerSummary] {
        let recorded = Set(stateDirectory.runnerNames().compactMap { stateDirectory.runnerDirectory(named: $0)?.record?.containerID })
        return try await labelledContainers().filter { !recorded.contains($0.id) }
    }

    /// Removes one recorded runner: its container (if the daemon still has it), then its directories.
    public func remove(_ runner: ManagedRunner) async throws(DispatcherError) {
        if let id = runner.containerID {
            do {
                try await docker.removeContainer(id)
            } catch {
                throw .docker(error)
            }
        }
        stateDirectory.removeRunnerDirectory(named: runner.name)
    }

    /// Removes a container that is not recorded here, and nothing else.
    public func removeForeign(_ container: ContainerSummary) async throws(DispatcherError) {
        do {
            try await docker.removeContainer(container.id)
        } catch {
            throw .docker(error)
        }
    }

    /// Directories of runners whose container is gone and that no process holds.
    @discardableResult
    public func removeStaleDirectories() async throws(DispatcherError) -> [String] {
        stateDirectory.removeLegacyRunnerDirectories()
        var removed: [String] = []
        for runner in try await list() where runner.state == "gone" && !runner.locked {
            stateDirectory.removeRunnerDirectory(named: runner.name)
            removed.append(runner.name)
        }
        return removed
    }

    private func labelledContainers() async throws(DispatcherError) -> [ContainerSummary] {
        do {
            return try await docker.listContainers(labels: ["\(ContainerLabel.managed)=true"])
        } catch {
            throw .docker(error)
        }
    }
}
