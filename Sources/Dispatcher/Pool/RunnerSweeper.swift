import DockerEngine
import Logging
import Synchronization

/// Removes what dead dispatchers and expired runners left behind, judging by the host's runner
/// records and the kernel's locks. A container's labels are never what decides: a container is matched
/// to a record by the id (or name) the record holds, and only directories under `runners/` are removed.
final class RunnerSweeper: Sendable {
    let stateDirectory: StateDirectory
    let docker: DockerConnection
    let owner: String
    let logger: Logger
    private let once = Mutex<Task<Void, Never>?>(nil)

    init(stateDirectory: StateDirectory, docker: DockerConnection, owner: String, logger: Logger) {
        self.stateDirectory = stateDirectory
        self.docker = docker
        self.owner = owner
        self.logger = logger
    }

    /// `sweep()` the first time; later calls wait for that one.
    func sweepOnce() async {
        let task = once.withLock { task in
            if let task { return task }
            let sweeper = self
            let started = Task { await sweeper.sweep() }
            task = started
            return started
        }
        await task.value
    }

    /// How long a runner directory may have no record before it counts as abandoned: a start writes its
    /// record right after making the directory.
    static let recordGrace = 10.0
    /// Past its idle TTL by this much, a shared runner nobody holds is removed by the host.
    static let expiryMargin = 30.0

    func sweep() async {
        stateDirectory.removeLegacyRunnerDirectories()
        guard let client = try? await docker.client(),
            let containers = try? await client.listContainers(labels: ["\(ContainerLabel.managed)=true"])
        else { return }
        let byID = Dictionary(containers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let byName = Dictionary(containers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in stateDirectory.runnerNames() {
            let age = stateDirectory.ageOfRunnerDirectory(named: name) ?? 0
            guard let directory = stateDirectory.runnerDirectory(named: name), let record = directory.record,
                record.name == name
            else {
                if age > Self.recordGrace { await remove(name, container: nil, client: client) }
                continue
            }
            if record.owner == owner { continue }
            let container = record.containerID.flatMap { byID[$0] } ?? (record.containerID == nil ? byName[name] : nil)
            let unlocked = directory.lockIsFree
            guard let container else {
                // Its container removed itself (idle TTL, crash) or never came to be.
                if unlocked && age > 2 { await removeUnderLock(directory, record: record, container: nil, client: client) }
                continue
            }
            let running = container.state == "running"
            let ownerAlive = DispatcherIdentity(label: record.owner)?.isAlive ?? false
            // The runner's own idle exit is the function's to defeat (it can call its own socket), so
            // the host enforces it too, from its own record of the last call.
            let idle = directory.secondsSinceUsed ?? .infinity
            let expired = idle > Double(record.runnerIdleTTLSeconds) + Self.expiryMargin
            switch record.lifetime {
            case .shared where unlocked && (expired || record.function == nil):
                logger.info("removing runner \(name), idle past its TTL or never given a function")
                await removeUnderLock(directory, record: record, container: container.id, client: client)
            case .shared where unlocked && directory.wasLeftInCall:
                // Still running (or stuck in) a call of a process that died: nobody reads its answer.
                logger.info("removing runner \(name), left in the middle of a call by a process that died")
                await removeUnderLock(directory, record: record, container: container.id, client: client, onlyIfLeftInCall: true)
            case .shared where running:
                continue  // left warm on purpose: reused when a call needs it, else it expires
            case .shared where unlocked, .owned where unlocked && !ownerAlive:
                logger.info("removing orphaned runner \(name)")
                await removeUnderLock(directory, record: record, container: container.id, client: client)
            default:
                continue
            }
        }
    }

    /// Removes a runner that looked free, holding its lock while doing so: a process that adopted or
    /// locked it since the probe keeps it, and so does one whose record changed meanwhile.
    private func removeUnderLock(
        _ directory: RunnerDirectory, record: RunnerRecord, container: String?, client: DockerClient, onlyIfLeftInCall: Bool = false
    ) async {
        // Under the lock, the marker is read again: a process may have adopted it, finished its call
        // and let go since the probe.
        guard let lock = RunnerLock(in: directory.directory), directory.record == record, !onlyIfLeftInCall || directory.wasLeftInCall else {
            return
        }
        await remove(record.name, container: container, client: client)
        withExtendedLifetime(lock) {}
    }

    private func remove(_ name: String, container: String?, client: DockerClient) async {
        if let container { try? await client.removeContainer(container) }
        stateDirectory.removeRunnerDirectory(named: name)
    }
}
