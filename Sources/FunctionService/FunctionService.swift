import Dispatcher
import FunctionPackages
import FunctionRegistry
import Hummingbird
import LambdaProtocol
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `pylambda serve`: named, versioned functions over HTTP, on the `Dispatcher`.
///
/// It is a group of services, each with one job, started in this order and stopped in the reverse one
/// on SIGTERM: the registry (SQLite or PostgreSQL), the dispatcher (runners), the instance heartbeat
/// (heartbeats, interrupted calls of dead processes), the retention (old records deleted), the
/// recorder (sync calls' records, written
/// behind the calls), the async worker (the durable queue), and the HTTP server. So a graceful stop
/// first stops claiming queued calls (they stay queued; `ShutdownAnnouncer` tells the worker before
/// anything else), stops accepting requests and lets the calls in flight finish, writes the sync
/// calls' records, forgets this instance, removes the containers, then closes the database, and
/// exits 0.
public struct FunctionService: Sendable {
    public let configuration: ServiceConfiguration
    public let store: any FunctionStore
    public let dispatcher: Dispatcher
    let instance: InstanceIdentity
    let catalog: FunctionCatalog
    let deployer: FunctionDeployer
    let metrics: ServiceMetrics
    let recorder: InvocationRecorder
    let executor: InvocationExecutor
    let worker: AsyncInvocationWorker
    let heartbeat: InstanceHeartbeat
    let retention: InvocationRetention?
    let verifier: KeyVerifier
    /// Set once the registry is open and the admin key is in place: until then `/healthz` says
    /// `starting` (503), so that nothing routes calls to a serve whose database it cannot reach.
    let ready = Flag()

    /// Prepares everything; opens nothing but the state directory.
    public init(configuration: ServiceConfiguration) throws {
        self.configuration = configuration
        var dispatcherConfiguration = configuration.dispatcher
        dispatcherConfiguration.stateDirectory = configuration.stateDirectory
        dispatcherConfiguration.logger = configuration.logger
        // Packages and dependency sets live beside the registry; runners mount the sets read-only.
        dispatcherConfiguration.dependencyStoreDirectory = PackagePreparer.dependencyStoreDirectory(in: configuration.stateDirectory)
        dispatcher = try Dispatcher(configuration: dispatcherConfiguration)
        let registryLimits: RegistryLimits
        switch configuration.database {
        case .sqlite:
            var sqlite = SQLiteStoreConfiguration(path: configuration.stateDirectory + "/registry.sqlite")
            sqlite.logger = configuration.logger
            store = SQLiteFunctionStore(configuration: sqlite)
            registryLimits = sqlite.limits
        case .postgres(let url):
            var postgres = try PostgresStoreConfiguration(url: url)
            postgres.logger = configuration.logger
            store = try PostgresFunctionStore(configuration: postgres)
            registryLimits = postgres.limits
        }
        instance = InstanceIdentity.current()
        metrics = ServiceMetrics()
        let preparer = PackagePreparer(
            directory: configuration.stateDirectory,
            allowIndexOptionsInRequirements: configuration.allowIndexOptionsInRequirements)
        catalog = FunctionCatalog(
            store: store, defaults: dispatcherConfiguration.function, region: configuration.region,
            preparer: preparer)
        deployer = FunctionDeployer(
            store: store, dispatcher: dispatcher, catalog: catalog, metrics: metrics, registryLimits: registryLimits)
        recorder = InvocationRecorder(store: store, batchDelay: configuration.syncRecordBatchDelay, logger: configuration.logger)
        executor = InvocationExecutor(
            store: store, dispatcher: dispatcher, catalog: catalog, metrics: metrics, recorder: recorder, instance: instance,
            logger: configuration.logger)
        worker = AsyncInvocationWorker(
            store: store, executor: executor, maxConcurrent: configuration.maxConcurrentAsyncInvocations,
            pollInterval: configuration.asyncPollInterval, ready: ready, logger: configuration.logger)
        var heartbeatConfiguration = InstanceHeartbeat.Configuration()
        heartbeatConfiguration.interval = configuration.heartbeatInterval
        heartbeatConfiguration.staleAfter = configuration.instanceStaleAfter
        heartbeatConfiguration.logger = configuration.logger
        heartbeat = InstanceHeartbeat(store: store, instance: instance, configuration: heartbeatConfiguration)
        if let keep = configuration.invocationRetention {
            var retentionConfiguration = InvocationRetention.Configuration()
            retentionConfiguration.keep = keep
            // A short retention is kept to within half of itself (once a second at most).
            retentionConfiguration.interval = max(.seconds(1), min(retentionConfiguration.interval, keep / 2))
            retentionConfiguration.logger = configuration.logger
            retention = InvocationRetention(store: store, configuration: retentionConfiguration)
        } else {
            retention = nil
        }
        verifier = KeyVerifier(store: store, environmentAdminKey: configuration.adminKey)
    }

    /// The routes, for tests that drive the API in-process.
    public func buildRouter() -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: OffLoopMiddleware())
        router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorBodyMiddleware())
        let system = SystemRoutes(store: store, dispatcher: dispatcher, metrics: metrics, ready: ready)
        system.addPublic(to: router)
        let authenticated = router.group().add(middleware: BearerAuthenticator(keys: verifier))
        system.add(to: authenticated)
        FunctionRoutes(
            store: store, dispatcher: dispatcher, catalog: catalog, deployer: deployer, recorder: recorder, limits: configuration.limits
        ).add(to: authenticated)
        InvokeRoutes(store: store, catalog: catalog, executor: executor, worker: worker, limits: configuration.limits).add(to: authenticated)
        KeyRoutes(store: store).add(to: authenticated)
        // The AWS Lambda API, signed with SigV4 instead of a bearer key, answering in Lambda's error form.
        let lambda = router.group(RouterPath(LambdaAPI.version))
            .add(middleware: LambdaErrorMiddleware())
            .add(middleware: SignatureAuthenticator(store: store, limits: configuration.limits))
        LambdaFunctionRoutes(store: store, deployer: deployer, limits: configuration.limits, region: configuration.region).add(to: lambda)
        LambdaInvokeRoute(catalog: catalog, executor: executor, worker: worker).add(to: lambda)
        return router
    }

    /// The HTTP server with every service it needs, as one application.
    public func buildApplication() -> some ApplicationProtocol {
        let store = self.store
        let configuration = self.configuration
        return Application(
            router: buildRouter(),
            server: .loopAffineHTTP1(configuration: .init(idleTimeout: configuration.idleConnectionTimeout.map { TimeAmount($0) })),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [store, dispatcher, Bootstrap(service: self), heartbeat] + [retention].compactMap { $0 } + [recorder, worker],
            onServerRunning: { _ in
                configuration.logger.notice("serving on http://\(configuration.host):\(configuration.port)")
            },
            logger: configuration.logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully (see the type's description). The
    /// group shuts its services down in reverse order: first the async worker stops claiming, then
    /// the application drains its HTTP server and stops its own services.
    public func run() async throws {
        let owner = configuration.database == .sqlite ? try RegistryOwnerLock(stateDirectory: configuration.stateDirectory) : nil
        defer { owner?.release() }
        removeOldPackageTrees()
        let worker = self.worker
        let dispatcher = self.dispatcher
        let logger = configuration.logger
        let announcer = ShutdownAnnouncer {
            worker.stopClaiming()
            // Said at once, so that an operator can tell a drain from a hang.
            let inFlight = dispatcher.runners().count { $0.busy }
            logger.notice("stopping: no new requests; \(inFlight) calls in flight finish first (each within its timeout), queued async calls stay queued")
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: buildApplication()), .init(service: announcer)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: configuration.logger))
        do {
            try await group.run()
        } catch {
            throw ListenError(error, host: configuration.host, port: configuration.port) ?? error
        }
    }
}

extension FunctionService {
    /// How old an extracted package tree must be for `run()` to remove it at start.
    static let packageTreeMaxAge: TimeInterval = 3600

    /// Extracted package trees are a cache: every version's code is in the registry, and is extracted
    /// again when a runner next needs it (`FunctionCatalog` checks that a definition's tree is still
    /// there). Without this, the trees of deleted functions, of old versions and of refused deploys
    /// would stay for good. It runs before anything of this process can extract or link a tree;
    /// trees extracted within the last hour stay, for another serve sharing this state directory.
    func removeOldPackageTrees() {
        let cutoff = Date().addingTimeInterval(-Self.packageTreeMaxAge)
        do {
            let removed = try catalog.preparer.packages.garbageCollect(keeping: [], extractedBefore: cutoff)
            if !removed.isEmpty {
                configuration.logger.info("removed \(removed.count) extracted packages older than an hour (they are extracted again when needed)")
            }
        } catch {
            configuration.logger.warning("could not remove old extracted packages: \(error)")
        }
    }
}

/// Once the registry is open: the first admin key, and a first heartbeat before any call is taken.
/// (What a killed predecessor left running is marked interrupted once its heartbeat is two intervals
/// old: a fresh one may be a live serve in another pid namespace with the same host name.)
private struct Bootstrap: Service {
    let service: FunctionService

    func run() async throws {
        try await service.store.waitUntilReady()
        try await AdminKey.bootstrap(
            store: service.store, stateDirectory: service.configuration.stateDirectory,
            fromEnvironment: service.configuration.adminKey, logger: service.configuration.logger)
        await service.heartbeat.beat()
        service.ready.set()
        try? await gracefulShutdown()
    }
}
