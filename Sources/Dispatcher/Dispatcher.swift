import AsyncHTTPClient
import Crypto
import Logging
import RunnerProtocol
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs `entrypoint(data)` of Python sources in warm, hardened runners.
///
/// ```swift
/// let result = try await Dispatcher.withDispatcher { dispatcher in
///     try await dispatcher.run(code: source, json: #"{"n": 10}"#)
/// }
/// ```
///
/// A dispatcher owns the runners it starts: `shutdown()` (or leaving `withDispatcher`) removes them,
/// unless `keepWarmAfterShutdown` asks to leave them for the next process. Always shut it down: it
/// also closes the HTTP connections, which AsyncHTTPClient refuses to leak (debug builds trap).
/// One dispatcher is meant to be shared by every task of a process; as a ServiceLifecycle `Service`
/// it shuts down with the service group.
public final class Dispatcher: Sendable {
    public let configuration: DispatcherConfiguration
    /// Written into every container's `pylambda.owner` label.
    public let identity: DispatcherIdentity
    let pool: ContainerPool
    let host: any RunnerHost
    let docker: DockerClient?
    let http: HTTPClient
    let runnerClient: RunnerClient
    private let expiryTask: Mutex<Task<Void, Never>?>
    private let isShutDown = Mutex(false)
    /// The one shutdown; every caller of `shutdown()` waits for it to finish.
    private let shutdownTask = Mutex<Task<Void, Never>?>(nil)

    /// Connects to the backend, checks that the image exists, removes orphans, offers runners left
    /// warm by other processes and starts filling the warm pool.
    public init(configuration: DispatcherConfiguration = DispatcherConfiguration()) async throws {
        self.configuration = configuration
        identity = DispatcherIdentity.current()
        let logger = configuration.logger
        // 0o700: other local users must not reach the runners' sockets (and load their own code into
        // a shared warm runner) nor rewrite what they record. Runners reach their own directory
        // through the bind mount, which does not cross this one.
        guard SmallFile.makeDirectory(configuration.stateDirectory, mode: 0o700) else {
            throw DispatcherError.runnerStartFailed(
                reason: "cannot create the state directory \(configuration.stateDirectory) with mode 0700")
        }
        guard SmallFile.isPrivateDirectory(configuration.stateDirectory) else {
            throw DispatcherError.runnerStartFailed(
                reason: "the state directory \(configuration.stateDirectory) is not a directory owned by this user with mode 0700; remove it or choose another stateDirectory")
        }
        switch configuration.backend {
        case .docker(let socketPath):
            let docker: DockerClient
            do {
                docker = try await DockerClient.connect(socketPath: socketPath, logger: logger)
            } catch let error as DockerError {
                throw DispatcherError.docker(error)
            }
            do {
                _ = try await docker.inspectImage(configuration.image)
            } catch {
                try? await docker.shutdown()
                throw (error as? DockerError).map(DispatcherError.docker) ?? error
            }
            self.docker = docker
            host = DockerRunnerHost(docker: docker, logger: logger)
        case .process(let executable):
            docker = nil
            host = ProcessRunnerHost(executable: executable, logger: logger)
        }
        http = DockerClient.makeHTTPClient()
        runnerClient = RunnerClient(http: http)
        pool = ContainerPool(
            configuration: configuration, host: host, runner: runnerClient, owner: identity.description)
        expiryTask = Mutex(nil)

        if let docker, configuration.removeOrphansOnStart {
            await sweep(docker)
        }
        await pool.schedulePoolRefill()
        let pool = self.pool
        let interval = min(max(configuration.idleTTL / 4, .milliseconds(100)), .seconds(5))
        expiryTask.withLock {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await pool.expireIdle()
                }
            }
        }
    }

    /// Removes what dead dispatchers left behind and offers runners left warm for reuse.
    private func sweep(_ docker: DockerClient) async {
        guard let containers = try? await docker.listContainers(labels: ["\(ContainerLabel.managed)=true"]) else {
            return
        }
        for container in containers {
            let labels = container.Labels ?? [:]
            let ownerLabel = labels[ContainerLabel.owner] ?? ""
            if ownerLabel == identity.description { continue }
            let ownerAlive = DispatcherIdentity(label: ownerLabel)?.isAlive ?? false
            let shared = labels[ContainerLabel.lifetime] == "shared"
            let running = container.State == "running"
            // Left warm on purpose: reused when a call needs it, else it expires by itself.
            if running && shared {
                await pool.offer(container)
                continue
            }
            let directory = labels[ContainerLabel.socketDirectory]
            // Someone holding the runner's lock is still using (or diagnosing) it.
            let unlocked = directory.map(RunnerLock.isFree) ?? true
            let orphaned = !ownerAlive && (!shared || unlocked)
            let stoppedLeftover = !running && shared && unlocked
            if orphaned || stoppedLeftover {
                configuration.logger.info("removing orphaned container \(container.name)")
                try? await docker.removeContainer(container.Id)
                if let directory { SmallFile.removeDirectory(directory) }
            }
        }
        // Shared containers that expired by themselves removed themselves, but not their directories.
        let inUse = Set(containers.compactMap { $0.Labels?[ContainerLabel.socketDirectory] })
        for directory in Self.removeStaleSocketDirectories(in: configuration.stateDirectory, keeping: inUse) {
            configuration.logger.debug("removed the directory of a container that is gone: \(directory)")
        }
    }

    /// Removes this dispatcher's runners (or, with `keepWarmAfterShutdown`, only those in the middle of
    /// a call), then closes its connections. Calls still waiting fail with `DispatcherError.shutDown`.
    /// Every call waits until the removal is done, and it runs to the end even when the calling task
    /// is cancelled (a cancelled task could not talk to the daemon).
    public func shutdown() async {
        let task = shutdownTask.withLock { task in
            if let task { return task }
            isShutDown.withLock { $0 = true }
            let started = Task.detached { await self.removeEverything() }
            task = started
            return started
        }
        await task.value
    }

    private func removeEverything() async {
        let task = expiryTask.withLock { $0 }
        task?.cancel()
        await task?.value
        await pool.shutdown(keepWarm: configuration.keepWarmAfterShutdown)
        if let docker, !configuration.keepWarmAfterShutdown,
            let leftovers = try? await docker.listContainers(labels: ["\(ContainerLabel.owner)=\(identity)"])
        {
            // Starts that were cut short may have created containers the pool never saw.
            for container in leftovers {
                try? await docker.removeContainer(container.Id)
                if let directory = container.Labels?[ContainerLabel.socketDirectory] {
                    SmallFile.removeDirectory(directory)
                }
            }
        }
        try? await http.shutdown()
        await host.shutdown()
    }

    // MARK: Running functions

    /// Runs `entrypoint(data)` of `code` with `data` (JSON bytes) and returns its JSON result.
    /// The call is never retried once it reached a runner: user code may not be idempotent.
    public func run(
        code: String, data: [UInt8], function: FunctionConfiguration? = nil, logTail: Bool = false
    ) async throws -> InvocationResult {
        let function = function ?? configuration.function
        let codeHash = Self.sha256(code)
        var undeliveredAttempts = 0
        while true {
            let lease = try await pool.acquire(code: code, codeHash: codeHash, function: function)
            let callStarted = UnixTime.now()
            do {
                let output = try await runnerClient.run(
                    socketPath: lease.handle.socketPath, data: data, timeout: function.effectiveTimeout, grace: .seconds(2),
                    logTail: logTail)
                await pool.release(lease, healthy: true)
                return InvocationResult(json: output.body, logTail: output.logTail)
            } catch let error as RunnerErrorResponse {
                let (failure, healthy, deliverable) = classify(error, function: function)
                await pool.release(lease, healthy: healthy)
                if case .timedOut = failure {
                    await pool.replaceInBackground(code: code, codeHash: codeHash, function: function)
                }
                if deliverable && undeliveredAttempts < 2 {
                    undeliveredAttempts += 1
                    continue
                }
                throw failure
            } catch let error as RunnerTransportError {
                if error.beforeSending && undeliveredAttempts < 2 {
                    // Never reached the runner (it had just expired): safe to send elsewhere.
                    undeliveredAttempts += 1
                    await pool.release(lease, healthy: false)
                    continue
                }
                if isShutDown.withLock({ $0 }) {
                    await pool.release(lease, healthy: false)
                    throw DispatcherError.shutDown
                }
                if error.deadlineExceeded {
                    await pool.release(lease, healthy: false)
                    await pool.replaceInBackground(code: code, codeHash: codeHash, function: function)
                    throw DispatcherError.timedOut(seconds: function.timeoutSeconds)
                }
                let end = await host.diagnose(lease.handle, since: callStarted)
                await pool.release(lease, healthy: false)
                switch end {
                case .outOfMemory:
                    throw DispatcherError.outOfMemory(limitBytes: function.memoryBytes)
                case .exited(let code, let logs):
                    throw DispatcherError.runnerDied(exitCode: code, logTail: logs)
                case .gone:
                    if let docker, (try? await docker.ping()) == nil {
                        throw DispatcherError.docker(
                            .daemonUnreachable(socketPath: docker.socketPath, reason: "lost during the call"))
                    }
                    throw DispatcherError.runnerStartFailed(
                        reason: "the runner's container disappeared during the call (removed by `pylambda gc`?)")
                case .running:
                    throw DispatcherError.protocolViolation("the connection to the runner broke: \(error.underlying)")
                }
            } catch {
                // Cancelled mid-call: the runner may still be running the function; do not reuse it.
                await pool.release(lease, healthy: false)
                throw error
            }
        }
    }

    /// Maps a runner's error answer to what the caller sees, whether the runner can be reused, and
    /// whether the call never started (so that it may go to another runner).
    private func classify(_ error: RunnerErrorResponse, function: FunctionConfiguration) -> (
        DispatcherError, healthy: Bool, deliverable: Bool
    ) {
        guard let body = error.body else {
            return (.protocolViolation("HTTP \(error.status): \(error.raw)"), false, false)
        }
        let type = body.error.type
        switch (error.status, type) {
        case (504, _), (_, RunnerErrorType.timeout), (_, RunnerErrorType.unresponsive):
            return (.timedOut(seconds: function.timeoutSeconds), false, false)
        case (503, _):
            return (.runnerStartFailed(reason: body.detail), false, true)
        case (_, RunnerErrorType.notLoaded):
            return (.runnerStartFailed(reason: "the runner lost its code"), false, true)
        case (413, _), (_, RunnerErrorType.invalidRequest), (_, RunnerErrorType.resultNotSerializable):
            return (.invalidPayload(type: type, message: body.error.message), true, false)
        case (_, RunnerErrorType.internalError):
            return (.protocolViolation(body.detail), false, false)
        default:
            return (
                .functionFailed(
                    type: type, message: body.error.message, traceback: body.error.traceback, logTail: error.logTail),
                true, false
            )
        }
    }

    /// JSON text in, JSON text out.
    public func run(code: String, json: String, function: FunctionConfiguration? = nil) async throws -> String {
        try await run(code: code, data: Array(json.utf8), function: function).jsonString
    }

    /// Typed in and out through `JSONEncoder`/`JSONDecoder`.
    public func run<Input: Encodable, Output: Decodable>(
        code: String, input: Input, as output: Output.Type = Output.self, function: FunctionConfiguration? = nil
    ) async throws -> Output {
        let data = try JSONEncoder().encode(input)
        let result = try await run(code: code, data: Array(data), function: function)
        return try JSONDecoder().decode(Output.self, from: Data(result.json))
    }

    /// The runners this dispatcher holds right now.
    public func runners() async -> [RunnerInfo] {
        await pool.snapshot()
    }

    /// Removes idle runners past their TTL now rather than at the next periodic check.
    public func expireIdleRunners() async {
        await pool.expireIdle()
    }

    // MARK: Scoped and one-call forms

    /// A dispatcher for the duration of `body`; its runners are removed when `body` returns or throws.
    public static func withDispatcher<Result: Sendable>(
        configuration: DispatcherConfiguration = DispatcherConfiguration(),
        _ body: (Dispatcher) async throws -> Result
    ) async throws -> Result {
        let dispatcher = try await Dispatcher(configuration: configuration)
        do {
            let result = try await body(dispatcher)
            await dispatcher.shutdown()
            return result
        } catch {
            await dispatcher.shutdown()
            throw error
        }
    }

    /// One call, for scripts: starts a dispatcher without a warm pool, runs, cleans up.
    public static func run(
        code: String, json: String, configuration: DispatcherConfiguration = DispatcherConfiguration()
    ) async throws -> String {
        var configuration = configuration
        configuration.warmPoolSize = 0
        return try await withDispatcher(configuration: configuration) { try await $0.run(code: code, json: json) }
    }

    static func sha256(_ code: String) -> String {
        SHA256.hash(data: Array(code.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// As a `Service`, the dispatcher lives until graceful shutdown (SIGTERM/SIGINT in a `ServiceGroup`)
/// and then removes its runners.
extension Dispatcher: Service {
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}

extension Dispatcher {
    /// Where `--backend process` finds `swift-runner`: next to `executablePath` (as `swift build`
    /// lays them out), else on PATH.
    public static func findRunnerExecutable(nextTo executablePath: String?) -> String? {
        ProcessRunnerHost.findRunner(nextTo: executablePath)
    }
}

extension Dispatcher {
    /// Removes a runner's host directory (socket, lock, code hash), for `pylambda gc`.
    public static func removeSocketDirectory(_ path: String) {
        SmallFile.removeDirectory(path)
    }

    /// Removes the runner directories under `stateDirectory` that no container in `inUse` (the
    /// `pylambda.socket-dir` labels of the containers that exist) names and no process holds, for
    /// containers that removed themselves after exiting. Returns the removed paths. A directory made
    /// in the last second is left alone: its runner may be starting and not have locked it yet.
    @discardableResult
    public static func removeStaleSocketDirectories(in stateDirectory: String, keeping inUse: Set<String>) -> [String]
    {
        var removed: [String] = []
        for name in SmallFile.entries(stateDirectory) where name.hasPrefix("pylambda-") {
            let directory = stateDirectory + "/" + name
            guard !inUse.contains(directory), SmallFile.isDirectory(directory),
                (SmallFile.secondsSinceModified(RunnerLock.path(in: directory))
                    ?? SmallFile.secondsSinceModified(directory) ?? 0) > 1,
                RunnerLock.isFree(directory: directory)
            else { continue }
            SmallFile.removeDirectory(directory)
            removed.append(directory)
        }
        return removed
    }
}
