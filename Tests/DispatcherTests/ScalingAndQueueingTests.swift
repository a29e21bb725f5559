import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// Scale-out, the bounded queue and its deadline, fairness between functions, the warm pool, eviction.
extension DockerTests {
    @Test func busyFunctionsScaleOutThenQueueThenRefuse() async throws {
        try await withDispatcher({
            $0.maxContainersPerFunction = 3
            $0.maxQueuedInvocationsPerFunction = 2
        }) { dispatcher, _ in
            let code = Functions.whoAmI(sleep: 1.0, tag: "scale")
            // 3 run at once on 3 containers, 2 wait for them, the 6th is refused.
            let outcomes = await withTaskGroup(of: Result<String, any Error>.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(index < 5 ? 0 : 300))
                        do { return .success(try await dispatcher.invoke(code: code, json: "null")) } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<String, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let hosts = outcomes.compactMap { try? $0.get() }
            let refused = outcomes.filter {
                if case .failure(DispatcherError.tooManyConcurrentInvocations) = $0 { return true }
                return false
            }
            #expect(hosts.count == 5)
            #expect(Set(hosts).count == 3, "three containers served the five calls")
            #expect(refused.count == 1)
            if case .failure(let error) = refused.first {
                #expect("\(error)".contains("too many concurrent invocations"))
            }
            #expect(dispatcher.runners().count == 3)
        }
    }

    @Test func aQueuedCallFailsWhenItsTimeoutHasPassed() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 1 }) { dispatcher, _ in
            let code = "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n"
            var configuration = dispatcher.configuration.function
            configuration.timeout = .seconds(8)
            let slow = FunctionDefinition(source: code, configuration: configuration)
            _ = try await dispatcher.invoke(slow, json: "0")
            let busy = Task { try await dispatcher.invoke(slow, json: "6") }
            try await Task.sleep(for: .milliseconds(500))
            // Same function, a 1 s timeout: it cannot get the only container in time.
            configuration.timeout = .seconds(1)
            let impatient = FunctionDefinition(source: code, configuration: configuration)
            #expect(impatient.key == slow.key, "the timeout does not change which runners serve it")
            let started = ContinuousClock.now
            await #expect {
                _ = try await dispatcher.invoke(impatient, json: "0")
            } throws: { error in
                guard case DispatcherError.queueTimedOut(let seconds) = error else { return false }
                return seconds == 1 && "\(error)".contains("waited 1 s")
            }
            let waited = ContinuousClock.now - started
            #expect(waited < .seconds(4), "it gave up at its deadline, not when the container freed up (\(waited))")
            #expect(try await busy.value == "6")
        }
    }

    /// `release` says whether the runner went straight to a waiting call: `invoke` then lets that
    /// call send its request before answering its own (serve's busy functions keep their runners busy).
    @Test func releasingARunnerSaysWhetherAWaitingCallTookIt() async throws {
        try await withDispatcher({ $0.maxContainersPerFunction = 1 }) { dispatcher, _ in
            let function = FunctionDefinition(source: Functions.echo, configuration: dispatcher.configuration.function)
            let first = try await dispatcher.pool.acquire(function)
            let waiting = Task { try await dispatcher.pool.acquire(function) }
            #expect(await TestEnvironment.eventually { dispatcher.pool.waitingCallCount == 1 }, "the second call waits")
            #expect(dispatcher.pool.release(first, healthy: true), "the waiting call took the runner")
            let second = try await waiting.value
            #expect(second.id == first.id)
            #expect(!dispatcher.pool.release(second, healthy: true), "nobody was waiting")
            let third = try await dispatcher.pool.acquire(function)
            let waitingAgain = Task { try await dispatcher.pool.acquire(function) }
            #expect(await TestEnvironment.eventually { dispatcher.pool.waitingCallCount == 1 }, "another call waits")
            // An unhealthy runner is removed; the waiting call gets a new one, not this one.
            #expect(!dispatcher.pool.release(third, healthy: false))
            let fourth = try await waitingAgain.value
            #expect(fourth.id != third.id)
            dispatcher.pool.release(fourth, healthy: true)
        }
    }

    @Test func aBusyFunctionDoesNotStarveAnotherWhenThePoolIsFull() async throws {
        try await withDispatcher({
            $0.maxContainers = 1
            $0.maxContainersPerFunction = 1
        }) { dispatcher, _ in
            let busy = FunctionDefinition(source: Functions.whoAmI(sleep: 0.3, tag: "starve-a"))
            let other = FunctionDefinition(source: Functions.whoAmI(tag: "starve-b"))
            _ = try await dispatcher.invoke(busy, json: "null")
            let stop = Flag()
            // Four callers keep A's queue full for as long as the test lets them.
            let loops = (0..<4).map { _ in
                Task {
                    var calls = 0
                    while !stop.isSet {
                        _ = try await dispatcher.invoke(busy, json: "null")
                        calls += 1
                    }
                    return calls
                }
            }
            try await Task.sleep(for: .milliseconds(700))
            let started = ContinuousClock.now
            let answer = try await withinTimeLimit(.seconds(20)) { try await dispatcher.invoke(other, json: "null") }
            let waited = ContinuousClock.now - started
            stop.set()
            for loop in loops { _ = try await loop.value }
            #expect(!answer.isEmpty)
            // It waits for the A calls queued before it (at most 4 of 0.3 s) and a container start.
            #expect(waited < .seconds(10), "B waited \(waited) while A kept its container busy")
        }
    }

    @Test func warmPoolServesNewCodeAndRefills() async throws {
        try await withDispatcher({ $0.warmPoolSize = 1 }) { dispatcher, _ in
            let ready = await TestEnvironment.eventually { dispatcher.runners().contains { $0.codeHash == nil } }
            #expect(ready, "the warm pool fills after start")
            let generic = try #require(dispatcher.runners().first { $0.codeHash == nil })
            let host = try await dispatcher.invoke(code: Functions.whoAmI(tag: "pool"), json: "null")
            #expect(generic.id.hasPrefix(host.trimmingCharacters(in: CharacterSet(charactersIn: "\""))), "the warm runner served it")
            let refilled = await TestEnvironment.eventually {
                dispatcher.runners().contains { $0.codeHash == nil && $0.id != generic.id }
            }
            #expect(refilled, "the pool is refilled in the background")
        }
    }

    @Test func theLeastRecentlyUsedIdleRunnerMakesRoom() async throws {
        try await withDispatcher({ $0.maxContainers = 2 }) { dispatcher, docker in
            let a = Functions.whoAmI(tag: "a")
            let b = Functions.whoAmI(tag: "b")
            let c = Functions.whoAmI(tag: "c")
            _ = try await dispatcher.invoke(code: a, json: "null")
            _ = try await dispatcher.invoke(code: b, json: "null")
            _ = try await dispatcher.invoke(code: a, json: "null")  // b is now the least recently used
            _ = try await dispatcher.invoke(code: c, json: "null")
            let hashes = Set(dispatcher.runners().compactMap(\.codeHash))
            #expect(hashes == [Functions.sha256(a), Functions.sha256(c)])
            let evicted = try await TestEnvironment.eventually {
                try await TestEnvironment.containers(docker, codeHash: Functions.sha256(b)).isEmpty
            }
            #expect(evicted, "the evicted container is removed from Docker")
        }
    }

    @Test func aWarmGenericRunnerIsUsedBeforeEvictingAnything() async throws {
        try await withDispatcher({
            $0.maxContainers = 2
            $0.warmPoolSize = 1
        }) { dispatcher, _ in
            let a = Functions.whoAmI(tag: "keep-a")
            let b = Functions.whoAmI(tag: "keep-b")
            _ = try await dispatcher.invoke(code: a, json: "null")
            let warm = await TestEnvironment.eventually { dispatcher.runners().contains { $0.codeHash == nil && !$0.busy } }
            #expect(warm)
            _ = try await dispatcher.invoke(code: b, json: "null")
            let hashes = Set(dispatcher.runners().compactMap(\.codeHash))
            #expect(hashes == [Functions.sha256(a), Functions.sha256(b)], "a was evicted for nothing")
        }
    }

    @Test func idleRunnersAreRemovedByTheDispatcher() async throws {
        try await withDispatcher({ $0.idleTTL = .seconds(2) }) { dispatcher, docker in
            _ = try await dispatcher.invoke(code: Functions.whoAmI(tag: "idle"), json: "null")
            #expect(dispatcher.runners().count == 1)
            let removed = try await TestEnvironment.eventually(timeout: .seconds(8)) {
                try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty
            }
            #expect(removed)
            #expect(dispatcher.runners().isEmpty)
        }
    }

    @Test func sixteenConcurrentCallersAllGetAnswers() async throws {
        try await withDispatcher { dispatcher, _ in
            let function = FunctionDefinition(source: Functions.whoAmI(sleep: 0.05, tag: "sixteen"))
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<16 { group.addTask { try await dispatcher.invoke(function, json: "null") } }
                var all: [String] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            #expect(answers.count == 16)
            #expect(Set(answers).count <= dispatcher.configuration.maxContainersPerFunction)
            #expect(dispatcher.runners().count <= dispatcher.configuration.maxContainersPerFunction)
        }
    }
}
