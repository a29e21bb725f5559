import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// Calls that give up, and dispatchers that stop, leave no container and no stranded call behind.
extension DockerTests {
    // MARK: Queued calls always come back

    @Test func loadFailuresWhileCallsAreQueuedAllReturn() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 4 }) { dispatcher, _ in
            // 4 start runners and fail to load; the 2 queued behind them must not wait forever.
            let code = "def entrypoint(data):\n    return (\n"
            let outcomes = try await withinTimeLimit(.seconds(90)) {
                await withTaskGroup(of: (any Error)?.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            do {
                                _ = try await dispatcher.invoke(code: code, json: "null")
                                return nil
                            } catch { return error }
                        }
                    }
                    var all: [(any Error)?] = []
                    for await outcome in group { all.append(outcome) }
                    return all
                }
            }
            #expect(outcomes.count == 6)
            for outcome in outcomes {
                guard case DispatcherError.loadFailed(let type, _, _)? = outcome else {
                    Issue.record("expected loadFailed, got \(String(describing: outcome))")
                    continue
                }
                #expect(type == "SyntaxError")
            }
            #expect(dispatcher.runners().isEmpty)
        }
    }

    // MARK: Cancellation cleans up

    @Test func cancellingDuringAColdStartLeavesNoContainer() async throws {
        try await withDispatcher { dispatcher, docker in
            // Different moments of the start: create, start, waiting for /healthz, /load.
            for (index, delay) in [5, 30, 80, 150, 300].enumerated() {
                let code = Functions.whoAmI(tag: "cold-cancel-\(index)")
                let call = Task { try await dispatcher.invoke(code: code, json: "null") }
                try await Task.sleep(for: .milliseconds(delay))
                call.cancel()
                let outcome = await call.result
                // While the dispatcher is still up: nothing may be left "created" or running.
                let gone = try await TestEnvironment.eventually(timeout: .seconds(15)) {
                    let ids = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity)
                    let held = Set(dispatcher.runners().map(\.id))
                    return ids.isSubset(of: held)
                }
                let held = dispatcher.runners().map(\.name)
                let left = try await docker.listContainers(labels: ["\(ContainerLabel.owner)=\(dispatcher.identity)"])
                #expect(gone, "cancelled after \(delay) ms: a container the dispatcher does not hold was left: \(left.map { "\($0.name) \($0.state)" }) held \(held) outcome \(outcome)")
            }
            // And the dispatcher still works.
            #expect(try await dispatcher.invoke(code: Functions.echo, json: "7") == "7")
        }
    }

    @Test func cancellingTheScopedFormStillRemovesItsContainers() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { await docker.shutdown() } }
        let started = AsyncStream<DispatcherIdentity>.makeStream()
        let scoped = Task {
            try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
                _ = try await dispatcher.invoke(code: Functions.echo, json: "1")
                started.continuation.yield(dispatcher.identity)
                return try await dispatcher.invoke(
                    code: "import time\ndef entrypoint(data):\n    time.sleep(30)\n", json: "null")
            }
        }
        var owner: DispatcherIdentity?
        for await identity in started.stream {
            owner = identity
            break
        }
        try await Task.sleep(for: .milliseconds(300))
        scoped.cancel()
        let outcome = await scoped.result
        #expect(throws: (any Error).self) { try outcome.get() }
        let identity = try #require(owner)
        // Shutdown ran in the cancelled task and must still have reached the daemon.
        #expect(try await TestEnvironment.containerIDs(docker, owner: identity).isEmpty)
    }

    @Test func aCancelledWaiterLeavesTheRunnerItWasHandedWarm() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 1 }) { dispatcher, _ in
            let source = Functions.counter("handover")
            let function = FunctionDefinition(source: source)
            var expected = try await dispatcher.invoke(code: source, input: [Int](), as: CallCounter.self).calls
            #expect(expected == 1)
            let container = try #require(dispatcher.runners().first?.id)
            for _ in 0..<5 {
                let lease = try await dispatcher.pool.acquire(function)
                let waiter = Task { try await dispatcher.pool.acquire(function) }
                try await Task.sleep(for: .milliseconds(50))
                // Either the cancellation or the hand-over reaches the pool first; both must end the same.
                waiter.cancel()
                dispatcher.pool.release(lease, healthy: true)
                let outcome = await waiter.result
                if case .success(let late) = outcome {
                    dispatcher.pool.release(late, healthy: true)
                    Issue.record("a cancelled waiter was handed a runner")
                }
                let runners = dispatcher.runners()
                #expect(runners.map(\.id) == [container])
                #expect(runners.first?.busy == false)
            }
            expected += 1
            let last = try await dispatcher.invoke(code: source, input: [Int](), as: CallCounter.self)
            #expect(last.calls == expected, "the same warm container answers")
        }
    }

    // MARK: Shutdown

    @Test func everyShutdownCallWaitsForTheRemoval() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { await docker.shutdown() } }
        let dispatcher = try Dispatcher(configuration: TestEnvironment.configuration())
        let running = Task { try await dispatcher.run() }
        for index in 0..<3 {
            _ = try await dispatcher.invoke(code: Functions.whoAmI(tag: "shutdown-\(index)"), json: "null")
        }
        let first = Task { await dispatcher.shutdown() }
        try await Task.sleep(for: .milliseconds(5))
        await dispatcher.shutdown()
        #expect(try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty)
        await first.value
        await dispatcher.shutdown()
        try await running.value
        await #expect(throws: DispatcherError.shutDown) {
            _ = try await dispatcher.invoke(code: Functions.echo, json: "1")
        }
    }

    @Test func callsWithoutARunningDispatcherFailClearly() async throws {
        let dispatcher = try Dispatcher(configuration: TestEnvironment.configuration())
        await #expect {
            _ = try await dispatcher.invoke(code: Functions.echo, json: "1")
        } throws: { error in
            guard case DispatcherError.notRunning = error else { return false }
            return "\(error)".contains("withDispatcher")
        }
        await dispatcher.shutdown()
    }

    @Test func cancellingACallRemovesItsContainer() async throws {
        try await withDispatcher { dispatcher, docker in
            let code = "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n"
            _ = try await dispatcher.invoke(code: code, json: "0")
            let call = Task { try await dispatcher.invoke(code: code, json: "30") }
            try await Task.sleep(for: .milliseconds(300))
            call.cancel()
            let outcome = await call.result
            #expect(throws: (any Error).self) { try outcome.get() }
            let gone = try await TestEnvironment.eventually {
                try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty
            }
            #expect(gone, "a cancelled call's runner may still be running the function: it is not reused")
            let answer = try await dispatcher.invoke(code: code, json: "0")
            #expect(answer == "0")
        }
    }
}

extension DockerTests {
    @Test func shuttingDownWhileAWarmRunnerLoadsLeavesNoContainer() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let dispatcher = try Dispatcher(configuration: TestEnvironment.configuration { $0.warmPoolSize = 1 })
        let running = Task { try await dispatcher.run() }
        let warm = await TestEnvironment.eventually { dispatcher.runners().contains { $0.codeHash == nil && !$0.busy } }
        #expect(warm)
        let slowLoad = "import time\ntime.sleep(2)\ndef entrypoint(data):\n    return data\n"
        let call = Task { try await dispatcher.invoke(code: slowLoad, json: "1") }
        try await Task.sleep(for: .milliseconds(500))
        await dispatcher.shutdown()
        _ = await call.result
        try await running.value
        #expect(try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty, "the runner being loaded was left")
        await docker.shutdown()
    }

    @Test func concurrentCallsOfARunnerLeftWarmAllGetAnswers() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let code = Functions.whoAmI(sleep: 0.2, tag: "adopt-\(UInt32.random(in: 0...UInt32.max))")
        let shared = TestEnvironment.configuration { $0.keepWarmAfterShutdown = true }
        _ = try await Dispatcher.withDispatcher(configuration: shared) { try await $0.invoke(code: code, json: "null") }
        // The next process calls it three times at once: one call adopts it, the others wait or start.
        let answers = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { dispatcher in
            try await withinTimeLimit(.seconds(60)) {
                try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<3 { group.addTask { try await dispatcher.invoke(code: code, json: "null") } }
                    var all: [String] = []
                    for try await answer in group { all.append(answer) }
                    return all
                }
            }
        }
        #expect(answers.count == 3)
        try await TestEnvironment.removeRunners(docker, codeHash: Functions.sha256(code))
        await docker.shutdown()
    }
}
