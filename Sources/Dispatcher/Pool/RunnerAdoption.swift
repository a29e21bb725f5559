/// A runner another process left warm (`pylambda run` keeps its runner for the next process).
struct AdoptionCandidate: Sendable, Equatable {
    let name: String
    /// `FunctionKey.digest` of the function loaded in it.
    let function: String
    let profile: ContainerProfile
    let idleSeconds: Double
    let runnerIdleTTLSeconds: Int
}

/// Finds and takes over runners other processes left warm, from the host-only runner records alone: no
/// Docker round trip, so that a warm `pylambda run` only reads a few small files before calling.
struct RunnerAdoption: Sendable {
    let stateDirectory: StateDirectory
    let owner: String
    let image: String
    /// A runner whose own idle TTL ends within this is left to expire.
    let handOutMargin: Duration

    /// Shared runners of this image with a function loaded that nobody holds.
    func candidates() -> [AdoptionCandidate] {
        stateDirectory.runnerNames().compactMap { name in
            guard let directory = stateDirectory.runnerDirectory(named: name), let record = directory.record,
                record.name == name, record.lifetime == .shared, record.owner != owner, record.image == image,
                record.containerID != nil, let function = record.function, directory.lockIsFree, !directory.wasLeftInCall
            else { return nil }
            return AdoptionCandidate(
                name: name, function: function, profile: ContainerProfile(key: record.profile),
                idleSeconds: directory.secondsSinceUsed ?? 0, runnerIdleTTLSeconds: record.runnerIdleTTLSeconds)
        }
    }

    /// Locks the candidate and checks it again under the lock: still the same record, its socket
    /// directory sealed with a real socket in it, and not about to exit by itself.
    func take(_ candidate: AdoptionCandidate) -> LaunchedRunner? {
        guard let directory = stateDirectory.runnerDirectory(named: candidate.name),
            let lock = RunnerLock(in: directory.directory),
            let record = directory.record, record.function == candidate.function, let containerID = record.containerID,
            directory.isSealed, !directory.wasLeftInCall
        else { return nil }
        let idle = directory.secondsSinceUsed ?? 0
        guard Double(record.runnerIdleTTLSeconds) - idle > handOutMargin.seconds else { return nil }
        let runner = LaunchedRunner(name: record.name, containerID: containerID, directory: directory, lock: lock, lifetime: .shared)
        _ = runner.takeFirstCall()  // it served calls before, in another process
        return runner
    }
}
