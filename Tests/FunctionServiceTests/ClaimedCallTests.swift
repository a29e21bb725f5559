import Dispatcher
import FunctionRegistry
import Foundation
import Logging
import Testing

@testable import FunctionService

/// What becomes of a claimed async call, outcome by outcome (`InvocationExecutor.run`): serve's own
/// executor, its SQLite registry and dispatcher on the real daemon, without HTTP. The versions are
/// written to the registry directly, so that code a deploy would refuse can be queued (as a version
/// that loaded when it was deployed can fail to load later). A call whose own code is why it never
/// started is recorded with that failure; one that never started for any other reason goes back to
/// the queue, for this or another serve.
@Suite(.serialized)
struct ClaimedCallTests {
    /// A `FunctionService` whose registry and dispatcher run for `body`, with no warm pool.
    func withService(image: String = ServeProcess.image, _ body: (FunctionService) async throws -> Void) async throws {
        let state = "/tmp/pylambda-claims-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        var configuration = ServiceConfiguration()
        configuration.stateDirectory = state
        configuration.dispatcher.image = image
        configuration.dispatcher.warmPoolSize = 0
        configuration.logger = Logger(label: "claims-test")
        configuration.logger.logLevel = .warning
        let service = try FunctionService(configuration: configuration)
        try await service.store.withRunning { _ in
            try await Dispatcher.running(service.dispatcher) { try await body(service) }
        }
        let runners = (try? FileManager.default.contentsOfDirectory(atPath: state + "/runners")) ?? []
        #expect(runners.isEmpty, "runners left after the dispatcher's shutdown: \(runners)")
    }

    /// Deploys `code` straight into the registry, queues one call of it and claims that call.
    func queueAndClaim(_ code: String, settings: FunctionSettings = FunctionSettings(), in service: FunctionService) async throws -> ClaimedInvocation {
        let version = try await service.store.createVersion(of: "claimed", NewFunctionVersion(code: .source(code), settings: settings)).version
        _ = try await service.store.enqueueAsync(of: version, input: Array(#"{"n": 1}"#.utf8))
        let claimed = try await service.store.claimNextQueued(for: service.instance)
        return try #require(claimed)
    }

    func run(_ claimed: ClaimedInvocation, in service: FunctionService, stillClaiming: Bool = true) async -> InvocationExecutor.ClaimOutcome {
        let version = await service.executor.version(of: claimed)
        return await service.executor.run(claimed, version: version, stillClaiming: { stillClaiming })
    }

    /// Given back: queued, no instance's, and claimable again.
    func expectQueuedAgain(_ claimed: ClaimedInvocation, in service: FunctionService, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let record = try await service.store.invocation(id: claimed.invocation.id)
        #expect(record.status == .queued && record.instance == nil && record.startedAt == nil, "\(record)", sourceLocation: sourceLocation)
        let again = try await service.store.claimNextQueued(for: service.instance)
        #expect(again?.invocation.id == claimed.invocation.id, sourceLocation: sourceLocation)
    }

    @Test func aCallThatRunsIsRecordedWithItsResultAndStart() async throws {
        try await withService { service in
            let claimed = try await queueAndClaim("def entrypoint(data):\n    return {'got': data}\n", in: service)
            #expect(await run(claimed, in: service) == .done)
            let record = try await service.store.invocation(id: claimed.invocation.id)
            #expect(record.status == .succeeded && record.startedAt != nil, "\(record)")
            #expect(record.result.map { String(decoding: $0, as: UTF8.self) } == #"{"got":{"n":1}}"#)
        }
    }

    /// Code that does not load is the call's failure: given back, it would fail again every few
    /// seconds for ever.
    @Test func codeThatDoesNotLoadIsTheCallsFailure() async throws {
        try await withService { service in
            let claimed = try await queueAndClaim("import no_such_module_here\n", in: service)
            #expect(await run(claimed, in: service) == .done)
            let record = try await service.store.invocation(id: claimed.invocation.id)
            #expect(record.status == .failed && record.error?.type == "ModuleNotFoundError", "\(record)")
            #expect(record.startedAt == nil, "it never started")
        }
    }

    /// A load that outlasts the function's timeout is the call's timeout, as a sync call's is.
    @Test func aLoadThatOutlastsTheTimeoutIsTheCallsTimeout() async throws {
        try await withService { service in
            let claimed = try await queueAndClaim(
                "import time\ntime.sleep(30)\ndef entrypoint(data):\n    return data\n", settings: FunctionSettings(timeoutSeconds: 1), in: service)
            #expect(await run(claimed, in: service) == .done)
            let record = try await service.store.invocation(id: claimed.invocation.id)
            #expect(record.status == .timedOut && record.error?.type == "Timeout", "\(record)")
        }
    }

    /// No runner could be had (here: the image is not there): the host's fault, so it goes back.
    @Test func aCallThatCannotGetARunnerGoesBack() async throws {
        try await withService(image: "pylambda-runner:no-such-tag") { service in
            let claimed = try await queueAndClaim("def entrypoint(data):\n    return data\n", in: service)
            #expect(await run(claimed, in: service) == .givenBack)
            try await expectQueuedAgain(claimed, in: service)
        }
    }

    /// Serve is stopping: not started, so it stays queued for the next start or another serve.
    @Test func aCallClaimedAsServeStopsGoesBack() async throws {
        try await withService { service in
            let claimed = try await queueAndClaim("def entrypoint(data):\n    return data\n", in: service)
            #expect(await run(claimed, in: service, stillClaiming: false) == .givenBack)
            try await expectQueuedAgain(claimed, in: service)
        }
    }

    /// Its version could not be read (the database did not answer): it goes back; it is not
    /// cancelled, which only a function that is gone earns.
    @Test func aVersionThatCannotBeReadGivesTheCallBack() async throws {
        try await withService { service in
            let claimed = try await queueAndClaim("def entrypoint(data):\n    return data\n", in: service)
            let outcome = await service.executor.run(claimed, version: .failure(.unavailable("the database is restarting")), stillClaiming: { true })
            #expect(outcome == .givenBack)
            try await expectQueuedAgain(claimed, in: service)
        }
    }

    /// Its function was deleted and deployed again under the same name after the call was queued:
    /// the call belonged to the function that is gone, and is cancelled, not run as the new one.
    @Test func aCallOfAFunctionDeployedAgainIsCancelled() async throws {
        try await withService { service in
            let claimed = try await queueAndClaim("def entrypoint(data):\n    return 'old'\n", in: service)
            _ = try await service.store.deleteFunction(named: "claimed")
            _ = try await service.store.createVersion(of: "claimed", NewFunctionVersion(code: .source("def entrypoint(data):\n    return 'new'\n")))
            #expect(await run(claimed, in: service) == .done)
            let record = try await service.store.invocation(id: claimed.invocation.id)
            #expect(record.status == .cancelled && record.result == nil, "\(record)")
        }
    }
}

extension Dispatcher {
    /// Runs `dispatcher` for the duration of `body`, then shuts it down (its runners removed).
    fileprivate static func running(_ dispatcher: Dispatcher, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await dispatcher.run() }
            do {
                try await body()
            } catch {
                await Task.detached { await dispatcher.shutdown() }.value
                throw error
            }
            await Task.detached { await dispatcher.shutdown() }.value
            try await group.waitForAll()
        }
    }
}
