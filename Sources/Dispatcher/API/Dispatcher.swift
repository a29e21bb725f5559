import DockerEngine
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle
import Synchronization

/// Runs Python functions in warm, hardened runners.
///
/// ```swift
/// try await Dispatcher.withDispatcher { dispatcher in
///     let fibonacci = FunctionDefinition(source: code)
///     let json = try await dispatcher.invoke(fibonacci, json: #"{"n": 10}"#)
/// }
/// ```
///
/// A dispatcher is a swift-service-lifecycle `Service`: `init` is cheap and does no I/O beyond opening
/// its state directory; `run()` owns all its background work (starting, loading and removing runners,
/// deadlines, idle expiry, the sweep of what dead dispatchers left) and, on graceful shutdown (or
/// `shutdown()`), removes its runners, or with `keepWarmAfterShutdown` leaves the idle ones warm for the
/// next process. Calls need `run()` to be running; `withDispatcher` does both. One dispatcher is meant
/// to be shared by every task of a process.
public final class Dispatcher: Service, Sendable {
    public let configuration: DispatcherConfiguration
    /// Recorded as the owner of every runner this dispatcher starts.
    public let identity: DispatcherIdentity
    let pool: ContainerPool
    let runnerClient: RunnerClient
    let host: any RunnerHost
    let docker: DockerConnection?
    let sweeper: RunnerSweeper?
    private let shutdownRequested = Signal()
    private let finished = Signal()
    private let lifecycle = Mutex(Lifecycle.initialized)

    private enum Lifecycle { case initialized, running, finished }

    /// Opens (or creates, 0700) the state directory and prepares everything else; connects to nothing.
    public init(configuration: DispatcherConfiguration = DispatcherConfiguration()) throws(DispatcherError) {
        try configuration.function.validate()
        self.configuration = configuration
        identity = DispatcherIdentity.current()
        let logger = configuration.logger
        let stateDirectory: StateDirectory
        do {
            // Processes run as this user and could rewrite the records of containers' runners: they
            // keep theirs apart.
            let runners: String
            switch configuration.backend {
            case .docker: runners = StateDirectory.runnersDirectoryName
            case .process: runners = "process-runners"
            }
            stateDirectory = try StateDirectory.open(path: configuration.stateDirectory, runnersName: runners)
        } catch {
            throw .stateDirectory(error)
        }
        switch configuration.backend {
        case .docker(let socketPath):
            let docker = DockerConnection(socketPath: socketPath, logger: logger)
            self.docker = docker
            host = DockerRunnerHost(docker: docker, logger: logger)
            sweeper = RunnerSweeper(stateDirectory: stateDirectory, docker: docker, owner: identity.description, logger: logger)
        case .process(let executable):
            docker = nil
            host = ProcessRunnerHost(executable: executable, logger: logger)
            sweeper = nil
        }
        runnerClient = RunnerClient()
        // The dependency store exists before any runner starts: mounts are made at container creation.
        var dependencyDirectory: String?
        if case .docker = configuration.backend {
            dependencyDirectory = try Self.openDependencyStore(configuration.resolvedDependencyStoreDirectory)
        }
        let shared = configuration.keepWarmAfterShutdown
        // An owned runner outlives the dispatcher's own idle expiry a little, so that the dispatcher is
        // the one to remove it; its own TTL only matters if the dispatcher is gone.
        let runnerTTL = min(configuration.idleTTLSeconds + (shared ? 0 : 60), DispatcherConfiguration.maxIdleTTLSeconds)
        var limits = PoolStateMachine.Limits()
        limits.maxContainers = max(1, configuration.maxContainers)
        limits.maxContainersPerFunction = max(1, configuration.maxContainersPerFunction)
        limits.maxQueuedPerFunction = max(0, configuration.maxQueuedInvocationsPerFunction)
        limits.warmPoolSize = max(0, configuration.warmPoolSize)
        limits.warmPoolProfile = ContainerProfile(configuration.function)
        limits.idleTTL = .seconds(configuration.idleTTLSeconds)
        limits.runnerIdleTTL = .seconds(runnerTTL)
        limits.handOutMargin = min(.seconds(2), .seconds(runnerTTL) / 4)
        let launcher = RunnerLauncher(
            host: host, client: runnerClient, stateDirectory: stateDirectory, image: configuration.image,
            owner: identity.description, lifetime: shared ? .shared : .owned, runnerIdleTTLSeconds: runnerTTL,
            startTimeout: configuration.startTimeout,
            dependencyDirectory: dependencyDirectory,
            sweepBeforeFirstLaunch: configuration.orphanSweep == .beforeFirstStart ? sweeper : nil, logger: logger)
        let adoption =
            shared || configuration.backend == .docker()
            ? RunnerAdoption(
                stateDirectory: stateDirectory, owner: identity.description, image: configuration.image,
                handOutMargin: limits.handOutMargin) : nil
        pool = ContainerPool(
            limits: limits, launcher: launcher, warmPoolConfiguration: configuration.function, keepWarm: shared,
            adoption: docker == nil ? nil : adoption, logger: logger)
    }

    // MARK: Lifecycle

    /// Runs until graceful shutdown (SIGTERM/SIGINT in a `ServiceGroup`), cancellation, or `shutdown()`,
    /// then removes (or leaves warm) its runners and closes its connections.
    public func run() async throws {
        let first = lifecycle.withLock { state -> Bool in
            guard case .initialized = state else { return false }
            state = .running
            return true
        }
        guard first else { return }
        await withTaskGroup(of: Void.self) { group in
            // Shielded from cancellation (and still awaited below): a cancelled task cannot talk to
            // the daemon, and the pool's work must finish removing runners even when run() is cancelled.
            let pool = self.pool
            group.addTask { await Task.detached { await pool.run() }.value }
            if configuration.orphanSweep == .atStart, let sweeper {
                group.addTask { await sweeper.sweep() }
            }
            await withGracefulShutdownHandler {
                await self.shutdownRequested.wait()
            } onGracefulShutdown: {
                self.shutdownRequested.fire()
            }
            await pool.shutDown()
            await group.waitForAll()
        }
        await closeConnections()
        lifecycle.withLock { $0 = .finished }
        finished.fire()
    }

    /// Ends `run()` as a graceful shutdown would, and waits until it has: waiting calls fail with
    /// `DispatcherError.shutDown`, runners are removed (or left warm). Safe to call more than once and
    /// from several tasks; also closes the connections of a dispatcher that never ran.
    public func shutdown() async {
        let state = lifecycle.withLock { state -> Lifecycle in
            let previous = state
            if case .initialized = state { state = .finished }
            return previous
        }
        switch state {
        case .initialized:
            await pool.shutDown()
            await closeConnections()
            finished.fire()
        case .running:
            shutdownRequested.fire()
            await finished.wait()
        case .finished:
            await finished.wait()
        }
    }

    private func closeConnections() async {
        await runnerClient.shutdown()
        await host.shutdown()
    }

    // MARK: Scoped and one-call forms

    /// A running dispatcher for the duration of `body`; its runners are removed (or left warm) when
    /// `body` returns or throws, even if the calling task is cancelled.
    public static func withDispatcher<Result: Sendable>(
        configuration: DispatcherConfiguration = DispatcherConfiguration(),
        _ body: (Dispatcher) async throws -> Result
    ) async throws -> Result {
        let dispatcher = try Dispatcher(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Unstructured only in appearance: the group waits for it below.
            group.addTask { try await dispatcher.run() }
            do {
                let result = try await body(dispatcher)
                await Task.detached { await dispatcher.shutdown() }.value
                try await group.waitForAll()
                return result
            } catch {
                // A cancelled task cannot talk to the daemon: shut down from a task that is not.
                await Task.detached { await dispatcher.shutdown() }.value
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// One call, for scripts: a dispatcher without a warm pool, one invocation, then cleanup.
    public static func invoke(
        code: String, json: String, configuration: DispatcherConfiguration = DispatcherConfiguration()
    ) async throws -> String {
        var configuration = configuration
        configuration.warmPoolSize = 0
        return try await withDispatcher(configuration: configuration) { try await $0.invoke(code: code, json: json) }
    }

    // MARK: Monitoring

    /// Removes the runners of the functions whose identity `predicate` picks (say, a deleted function's):
    /// idle ones now, busy ones when their call ends.
    public func removeRunners(where predicate: (FunctionIdentity?) -> Bool) {
        pool.retire { predicate($0.identity) }
    }

    /// Removes the runners of `definition` only (not those of other code with the same identity).
    public func removeRunners(of definition: FunctionDefinition) {
        pool.retire { $0.key == definition.key }
    }

    /// The runners this dispatcher holds right now.
    public func runners() -> [RunnerInfo] {
        pool.snapshot()
    }

    /// Where `--backend process` finds `swift-runner`: next to `executablePath` (as `swift build`
    /// lays them out), else on PATH.
    public static func findRunnerExecutable(nextTo executablePath: String?) -> String? {
        ProcessRunnerHost.findRunner(nextTo: executablePath)
    }
}

extension Dispatcher {
    /// Creates the dependency store's root if needed and makes it 0711 (runners reach a set by its key,
    /// and cannot list the others). Never through a symbolic link, only a directory of this user, and
    /// only under directories no other user can write (as for the state directory): Docker mounts
    /// whatever the path names when a container is created, as root, so another user able to rename
    /// a directory above it could have a host directory of their choosing mounted into runners.
    static func openDependencyStore(_ path: String) throws(DispatcherError) -> String {
        // Trailing slashes would make O_NOFOLLOW follow a link; `..` would leave the checked path.
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard path.hasPrefix("/"), path.count > 1, !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw .invalidConfiguration("the dependency store must be an absolute path without . or .., not \(path)")
        }
        do {
            try StateDirectory.makeParents(of: path)
            try StateDirectory.checkAncestors(of: path)
        } catch .unsafeAncestor(let ancestor) {
            throw .invalidConfiguration(
                "\(ancestor), above the dependency store \(path), belongs to another user or can be written by its group or others (`chmod go-w \(ancestor)` if it is yours, or put the store in a directory only you control: `DispatcherConfiguration.dependencyStoreDirectory`; for `pylambda run`, XDG_CACHE_HOME; for `pylambda serve`, --state)")
        } catch {
            throw .invalidConfiguration("the dependency store \(path) cannot be made: \(error)")
        }
        let store: DirectoryDescriptor
        do {
            _ = mkdir(path, 0o711)
            // O_NOFOLLOW: a symbolic link at the path is refused.
            store = try DirectoryDescriptor.open(absolutePath: path)
        } catch {
            throw .invalidConfiguration("the dependency store \(path) cannot be used (it must be a directory, not a symbolic link): \(error)")
        }
        guard let info = store.status(), info.st_uid == geteuid() else {
            throw .invalidConfiguration("the dependency store \(path) does not belong to this user (uid \(geteuid()))")
        }
        do {
            try store.setMode(0o711)
        } catch {
            throw .invalidConfiguration("the dependency store \(path) cannot be made 0711: \(error)")
        }
        return path
    }
}
