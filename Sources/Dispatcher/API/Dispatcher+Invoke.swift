import RunnerProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Dispatcher {
    /// Runs `function` with `payload` (JSON bytes) and returns its JSON result.
    ///
    /// A call is never retried once it may have reached a runner: user code may not be idempotent. It
    /// is sent elsewhere only when it provably never started (the runner had just exited, or had lost
    /// its code).
    public func invoke(_ function: FunctionDefinition, payload: [UInt8], logTail: Bool = false) async throws
        -> InvocationResult
    {
        var undeliveredAttempts = 0
        while true {
            let lease = try await pool.acquire(function)
            let callStarted = UnixTime.now()
            let failure: DispatcherError
            do {
                let output = try await runnerClient.run(
                    lease.runner, data: payload, timeoutHeader: function.timeoutHeader,
                    transportTimeout: function.transportTimeout, logTail: logTail)
                pool.release(lease, healthy: true)
                return InvocationResult(json: output.body, logTail: output.logTail, coldStart: lease.runner.takeFirstCall())
            } catch let error as RunnerErrorResponse {
                let (classified, healthy, undelivered) = classify(error, function: function)
                pool.release(lease, healthy: healthy)
                if case .timedOut = classified { pool.replenish(function) }
                if undelivered && undeliveredAttempts < 2 {
                    undeliveredAttempts += 1
                    continue
                }
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
                case .exited(0, _) where undeliveredAttempts < 2:
                    // A clean exit (idle TTL, SIGTERM) finishes what it started: this call never ran.
                    undeliveredAttempts += 1
                    continue
                case .exited(let code, let logs):
                    failure = .runnerDied(exitCode: code, logTail: logs)
                case .gone:
                    if let docker, let client = docker.connected, (try? await client.ping()) == nil {
                        failure = .docker(.daemonUnreachable(socketPath: client.socketPath, reason: "lost during the call"))
                    } else {
                        failure = .runnerStartFailed(
                            reason: "the runner's container disappeared during the call (removed by `pylambda gc`?)")
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

    /// Maps a runner's error answer to what the caller sees, whether the runner can be reused, and
    /// whether the call never started (so that it may go to another runner).
    private func classify(_ error: RunnerErrorResponse, function: FunctionDefinition) -> (
        DispatcherError, healthy: Bool, undelivered: Bool
    ) {
        guard let body = error.body else {
            return (.protocolViolation("HTTP \(error.status): \(error.raw)"), false, false)
        }
        let type = body.error.type
        switch (error.status, type) {
        case (504, _), (_, RunnerErrorType.timeout), (_, RunnerErrorType.unresponsive):
            return (.timedOut(seconds: function.configuration.timeoutSeconds), false, false)
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
