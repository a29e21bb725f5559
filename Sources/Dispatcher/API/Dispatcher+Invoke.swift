import RunnerProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Dispatcher {
    /// Runs `function` with `payload` (JSON bytes) and returns its JSON result. `invocationID` is
    /// what a `handler(event, context)` sees as `context.aws_request_id` (a fresh UUID when nil).
    /// `whenStarted` is called once, when the call has a runner and is about to be sent to it (not
    /// while it waits for one): what `pylambda serve` records as the call's start, and whether the
    /// runner was started for it (a cold start, counted whether the call then succeeds or not). If it
    /// throws, the call is not sent, the runner goes back, and its error is this call's: a queued
    /// call whose function was deleted while it waited for a runner does not run.
    ///
    /// A call is never retried once it may have reached a runner: user code may not be idempotent. It
    /// is sent elsewhere only when its connection was refused (the runner had just exited).
    public func invoke(
        _ function: FunctionDefinition, payload: [UInt8], logTail: Bool = false, invocationID: String? = nil,
        whenStarted: ((_ coldStart: Bool) async throws -> Void)? = nil
    ) async throws -> InvocationResult {
        if let invocationID, !Self.isUsableInvocationID(invocationID) {
            throw DispatcherError.invalidConfiguration("an invocation id is 1 to 128 printable ASCII characters, not \(String(reflecting: invocationID))")
        }
        var undeliveredAttempts = 0
        var whenStarted = whenStarted
        while true {
            let lease = try await pool.acquire(function)
            if let started = whenStarted {
                whenStarted = nil
                do {
                    try await started(lease.runner.isUnused)
                } catch {
                    pool.release(lease, healthy: true)
                    throw error
                }
            }
            // Taken as the call is sent, whatever its outcome: the next call on this runner is warm.
            let coldStart = lease.runner.takeFirstCall()
            let callStarted = UnixTime.now()
            let failure: DispatcherError
            do {
                // Ended only when the runner goes back healthy, before it does: a runner being
                // removed stays marked, in case this process dies before the removal is done.
                lease.runner.beginCall()
                let output = try await runnerClient.run(
                    lease.runner, data: payload, timeoutHeader: function.timeoutHeader,
                    transportTimeout: function.transportTimeout, logTail: logTail, invocationID: invocationID,
                    maxResponseBytes: function.maxResponseBytes)
                // The answer comes from inside the container: a function holding the connection can
                // write anything there. Callers are promised JSON.
                if await Self.isJSON(output.body) {
                    lease.runner.endCall()
                    if pool.release(lease, healthy: true) {
                        // The runner went to a call that waited for it. That call runs first (it
                        // sends its request), then this one writes its answer: the runner is not
                        // left idle for as long as answering this call takes. On serve's event
                        // loops both calls are jobs of one queue, and this puts this one last.
                        await Task.yield()
                    }
                    return InvocationResult(json: output.body, logTail: output.logTail, coldStart: coldStart)
                }
                pool.release(lease, healthy: false)
                failure = .protocolViolation("the runner's answer is not JSON")
            } catch let error as RunnerErrorResponse {
                let (classified, healthy) = classify(error, function: function)
                if healthy { lease.runner.endCall() }
                pool.release(lease, healthy: healthy)
                if case .timedOut = classified { pool.replenish(function) }
                failure = classified
            } catch let error as RunnerTransportError {
                if error.beforeSending && undeliveredAttempts < 2 {
                    // Never reached the runner (it had just exited): safe to send elsewhere.
                    pool.release(lease, healthy: false)
                    undeliveredAttempts += 1
                    continue
                }
                if pool.isShutDown {
                    pool.release(lease, healthy: false)
                    throw DispatcherError.shutDown
                }
                if error.deadlineExceeded {
                    pool.release(lease, healthy: false)
                    pool.replenish(function)
                    throw DispatcherError.timedOut(seconds: function.configuration.timeoutSeconds)
                }
                // How it ended is read before the runner is given back: its removal would look like
                // someone else killed it.
                let end = await host.diagnose(lease.runner.containerID, directory: lease.runner.directory, since: callStarted)
                pool.release(lease, healthy: false)
                switch end {
                case .outOfMemory:
                    failure = .outOfMemory(limitBytes: function.configuration.memoryBytes)
                case .exited(let code, let logs):
                    failure = .runnerDied(exitCode: code, logTail: logs)
                case .gone:
                    if let docker, let client = docker.connected, (try? await client.ping()) == nil {
                        failure = .docker(.daemonUnreachable(socketPath: client.socketPath, reason: "lost during the call"))
                    } else if error.beforeSending {
                        // The third runner in a row gone before the call reached it: it never started.
                        failure = .runnerStartFailed(reason: "the runner's container went away before the call reached it")
                    } else {
                        failure = .containerRemoved
                    }
                case .running:
                    failure = .protocolViolation("the connection to the runner broke: \(error.underlying)")
                }
            } catch {
                // Cancelled mid-call: the runner may still be running the function; do not reuse it.
                pool.release(lease, healthy: false)
                throw error
            }
            throw failure
        }
    }

    /// Results larger than this are checked on Swift's default executor, off the caller's: checking
    /// 6 MiB of small objects takes about 50 ms, and serve's callers are on event loops.
    static let resultBytesCheckedInPlace = 256 << 10

    /// Whether `body` is strict JSON (a runner's answer, or an async call's input), checked off the
    /// caller's executor when it is large.
    public static func isJSON(_ body: [UInt8]) async -> Bool {
        guard body.count > resultBytesCheckedInPlace else { return JSONValidator.isValid(body) }
        return await withTaskExecutorPreference(globalConcurrentExecutor) { JSONValidator.isValid(body) }
    }

    /// It goes into a header: no control characters, no spaces.
    static func isUsableInvocationID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Maps a runner's error answer to what the caller sees and whether the runner can be reused.
    /// Nothing the runner answers makes the call go to another runner: the answer may come from the
    /// function itself, and a call that may have run must never run twice.
    private func classify(_ error: RunnerErrorResponse, function: FunctionDefinition) -> (DispatcherError, healthy: Bool) {
        guard let body = error.body else {
            return (.protocolViolation("HTTP \(error.status): \(error.raw)"), false)
        }
        let type = body.error.type
        let unusable = (DispatcherError.invalidPayload(type: type, message: body.error.message), healthy: true)
        let raised = (
            DispatcherError.functionFailed(type: type, message: body.error.message, traceback: body.error.traceback, logTail: error.logTail),
            healthy: true
        )
        // The function's own failure is told by the runner's header, not by a type name, which the
        // function chooses: a library's exception named `Timeout` (gevent's, eventlet's) or
        // `InternalError` is still an exception it raised, and its runner is still good.
        if error.isFunctionError {
            return [RunnerErrorType.resultNotSerializable, RunnerErrorType.resultTooLarge].contains(type) ? unusable : raised
        }
        switch (error.status, type) {
        case (504, _), (_, RunnerErrorType.timeout), (_, RunnerErrorType.unresponsive):
            return (.timedOut(seconds: function.configuration.timeoutSeconds, logTail: error.logTail), false)
        case (503, _):
            return (.runnerStartFailed(reason: body.detail), false)
        case (_, RunnerErrorType.notLoaded):
            return (.runnerStartFailed(reason: "the runner lost its code"), false)
        case (413, _), (_, RunnerErrorType.invalidRequest), (_, RunnerErrorType.resultNotSerializable), (_, RunnerErrorType.resultTooLarge):
            return unusable
        case (_, RunnerErrorType.internalError):
            return (.protocolViolation(body.detail), false)
        default:
            return raised
        }
    }

    /// JSON text in, JSON text out.
    public func invoke(code: String, json: String, configuration: FunctionConfiguration? = nil) async throws -> String {
        let function = FunctionDefinition(source: code, configuration: configuration ?? self.configuration.function)
        return try await invoke(function, payload: Array(json.utf8)).jsonString
    }

    /// JSON text in, JSON text out, for a function made once.
    public func invoke(_ function: FunctionDefinition, json: String) async throws -> String {
        try await invoke(function, payload: Array(json.utf8)).jsonString
    }

    /// Typed in and out through `JSONEncoder`/`JSONDecoder`.
    public func invoke<Input: Encodable, Output: Decodable>(
        code: String, input: Input, as output: Output.Type = Output.self, configuration: FunctionConfiguration? = nil
    ) async throws -> Output {
        let function = FunctionDefinition(source: code, configuration: configuration ?? self.configuration.function)
        let result = try await invoke(function, payload: Array(try JSONEncoder().encode(input)))
        return try JSONDecoder().decode(Output.self, from: Data(result.json))
    }
}

extension Dispatcher {
    /// Makes sure a runner of `function` is up and loaded (starting or loading one if needed) without
    /// calling it: checks that its code loads, and makes its first call warm.
    public func prepare(_ function: FunctionDefinition) async throws {
        let lease = try await pool.acquire(function)
        pool.release(lease, healthy: true)
    }
}
