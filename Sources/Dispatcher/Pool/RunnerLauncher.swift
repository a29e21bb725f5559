import Logging
import RunnerProtocol

/// The slow half of the pool: creates, starts, seals and loads runners, and removes them. Runs in the
/// pool's own tasks, never in a caller's, so a caller that gives up cannot cut a start short and leave
/// a container nobody knows about.
struct RunnerLauncher: Sendable {
    let host: any RunnerHost
    let client: RunnerClient
    let stateDirectory: StateDirectory
    let image: String
    let owner: String
    let lifetime: RunnerLifetime
    let runnerIdleTTLSeconds: Int
    let startTimeout: Duration
    /// The dependency store, mounted read-only into every runner (nil: none).
    let dependencyDirectory: String?
    /// Sweeps what dead dispatchers left once, before the first launch (`OrphanSweep.beforeFirstStart`).
    let sweepBeforeFirstLaunch: RunnerSweeper?
    let logger: Logger

    /// A running, sealed runner, loaded with `function` when given (else generic, for the warm pool).
    /// A failure that another try may not have (the daemon was slow, the runner crashed at start) is
    /// tried once more: starting and loading never run the function's entrypoint.
    func launch(_ function: FunctionDefinition?, configuration: FunctionConfiguration) async throws(DispatcherError)
        -> LaunchedRunner
    {
        // Every function's configuration, not only the dispatcher's default: the isolation depends on it.
        try configuration.validate()
        await sweepBeforeFirstLaunch?.sweepOnce()
        do {
            return try await launchOnce(function, configuration: configuration)
        } catch let error where !Self.isFinal(error) {
            logger.info("starting a runner failed (\(error)); trying once more")
            return try await launchOnce(function, configuration: configuration)
        }
    }

    /// Errors another runner would not fix: the code itself, or the daemon being gone.
    static func isFinal(_ error: DispatcherError) -> Bool {
        switch error {
        case .loadFailed, .docker, .invalidConfiguration, .stateDirectory, .shutDown: return true
        default: return false
        }
    }

    private func launchOnce(_ function: FunctionDefinition?, configuration: FunctionConfiguration)
        async throws(DispatcherError) -> LaunchedRunner
    {
        let name = "pylambda-\(function.map { String($0.codeHash.prefix(12)) } ?? "pool")-"
            + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let directory: RunnerDirectory
        let lock: RunnerLock
        do {
            (directory, lock) = try stateDirectory.createRunnerDirectory(name: name)
        } catch {
            throw .stateDirectory(error)
        }
        var record = RunnerRecord(
            name: name, containerID: nil, function: nil, codeHash: nil, profile: ContainerProfile(configuration).key,
            lifetime: lifetime, owner: owner, runnerIdleTTLSeconds: runnerIdleTTLSeconds, created: UnixTime.now(),
            image: image)
        var containerID: String?
        do throws(DispatcherError) {
            // Written before the container exists, so that a crash right after leaves a record that
            // the next sweep can match by name.
            try write(record, to: directory)
            let spec = ContainerSpec(
                name: name, image: image, configuration: configuration, codeHash: function?.codeHash, owner: owner,
                lifetime: lifetime, hostSocketDirectory: directory.hostSocketDirectoryPath,
                hostTaskDirectory: directory.hostTaskDirectoryPath, hostDependencyDirectory: dependencyDirectory,
                runnerIdleTTLSeconds: runnerIdleTTLSeconds)
            let started = UnixTime.now()
            let id = try await host.start(spec, directory: directory)
            containerID = id
            record.containerID = id
            try write(record, to: directory)
            let runner = LaunchedRunner(
                name: name, containerID: id, directory: directory, lock: lock, lifetime: lifetime)
            // Sealed as soon as the socket is there, and only then connected to: nothing is ever
            // connected through a directory the container can still change.
            try await waitUntilHealthy(runner, since: started)
            if let function {
                try await load(function, into: runner)
                record.function = function.key.digest
                record.codeHash = function.codeHash
                try write(record, to: directory)
            }
            return runner
        } catch {
            if let containerID { await host.destroy(containerID) }
            stateDirectory.removeRunnerDirectory(named: name)
            throw error
        }
    }

    /// Runs `/load` (a package's files first linked into the runner's read-only task directory). A 400
    /// is the code's fault (`loadFailed`, final), and so is a runner that exits or runs out of memory
    /// while loading: the module's own code ran, and another runner would run it again. Anything else
    /// is the runner's.
    func load(_ function: FunctionDefinition, into runner: LaunchedRunner) async throws(DispatcherError) {
        if case .package(let directory, _) = function.code {
            do {
                try PackageLinker.link(package: directory, into: runner.directory.taskDirectory)
            } catch {
                throw .invalidConfiguration("the function's package cannot be used: \(error)")
            }
        }
        let started = UnixTime.now()
        do {
            _ = try await client.load(
                runner, request: function.loadRequest, timeoutHeader: function.timeoutHeader, transportTimeout: function.transportTimeout)
        } catch let error as RunnerErrorResponse {
            if error.status == 400, let body = error.body {
                throw .loadFailed(type: body.error.type, message: body.error.message, traceback: body.error.traceback)
            }
            if error.status == 504 {
                throw .loadFailed(type: LoadFailureType.timedOut, message: "loading the code took longer than the function's timeout", traceback: [])
            }
            throw .runnerStartFailed(reason: "/load answered \(error.status): \(error.raw)")
        } catch let error as RunnerTransportError where error.beforeSending {
            // Never reached the runner (it had just exited): the code did not run.
            throw .runnerStartFailed(reason: "lost the runner before /load: \(error.underlying)")
        } catch let error as RunnerTransportError {
            switch await host.diagnose(runner.containerID, directory: runner.directory, since: started) {
            case .exited(let code, let logs):
                let output = logs.isEmpty ? "" : "; its last output: \(logs)"
                throw .loadFailed(
                    type: LoadFailureType.runnerExited, message: "the code ended the runner while loading (exit code \(code))\(output)",
                    traceback: [])
            case .outOfMemory:
                throw .loadFailed(
                    type: LoadFailureType.outOfMemory,
                    message: "loading the code ran out of memory (limit \(function.configuration.memoryBytes >> 20) MiB)", traceback: [])
            case .gone, .running:
                throw .runnerStartFailed(reason: "lost the runner during /load: \(error.underlying)")
            }
        } catch {
            throw .runnerStartFailed(reason: "/load failed: \(error)")
        }
    }

    /// After a generic runner took a function's code: the record says so, for other processes.
    func recordLoaded(_ function: FunctionDefinition, in runner: LaunchedRunner) {
        guard var record = runner.directory.record else { return }
        record.function = function.key.digest
        record.codeHash = function.codeHash
        try? runner.directory.write(record)
    }

    /// Waits for the runner's socket, seals its directory, then polls `/healthz`: every few
    /// milliseconds at first (a runner is usually up in tens of them), backing off to 50 ms, since a
    /// fixed sleep would either waste time or be too short on a loaded machine.
    private func waitUntilHealthy(_ runner: LaunchedRunner, since: Int64) async throws(DispatcherError) {
        let deadline = ContinuousClock.now + startTimeout
        var polls = 0
        var sealed = false
        while ContinuousClock.now < deadline {
            if !sealed && runner.directory.socketExists {
                do {
                    try runner.directory.seal()
                } catch {
                    throw .runnerStartFailed(reason: "the runner's socket directory could not be sealed: \(error)")
                }
                sealed = true
            }
            if sealed, await client.isHealthy(runner) { return }
            polls += 1
            if polls % 20 == 0, await !host.isRunning(runner.containerID) {
                let reason: String
                switch await host.diagnose(runner.containerID, directory: runner.directory, since: since) {
                case .exited(let code, let logs): reason = "the runner exited with code \(code) while starting: \(logs)"
                case .outOfMemory: reason = "the runner ran out of memory while starting"
                case .gone: reason = "the runner's container was removed while starting"
                case .running: continue
                }
                throw .runnerStartFailed(reason: reason)
            }
            do {
                try await Task.sleep(for: .milliseconds(min(50, 2 + polls)))
            } catch {
                throw .shutDown
            }
        }
        throw .runnerStartFailed(
            reason: "\(runner.name) did not answer \(RunnerPath.health) within \(startTimeout)")
    }

    private func write(_ record: RunnerRecord, to directory: RunnerDirectory) throws(DispatcherError) {
        do {
            try directory.write(record)
        } catch {
            throw .stateDirectory(error)
        }
    }

    /// Removes a runner's container, then its directories (the lock goes last, with the runner).
    func remove(_ runner: LaunchedRunner) async {
        await host.destroy(runner.containerID)
        stateDirectory.removeRunnerDirectory(named: runner.name)
        withExtendedLifetime(runner.lock) {}
    }
}
