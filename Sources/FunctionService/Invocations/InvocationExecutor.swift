import Dispatcher
import FunctionRegistry
import Logging

/// Runs one call of a function version, sync or async, and keeps its record and the metrics: the one
/// place where an invocation's outcome becomes a status.
struct InvocationExecutor: Sendable {
    let store: any FunctionStore
    let dispatcher: Dispatcher
    let catalog: FunctionCatalog
    let metrics: ServiceMetrics
    let instance: InstanceIdentity
    let logger: Logger

    /// A sync call: recorded as running first (so a crash leaves it `interrupted`, not unknown), then
    /// run, then recorded with its outcome. Returns the record's id with the result or the error.
    func invoke(_ version: FunctionVersion, payload: [UInt8], logTail: Bool) async throws(RegistryError)
        -> (id: String, outcome: Result<InvocationResult, DispatcherError>)
    {
        let record = try await store.recordSyncStart(of: version, instance: instance)
        let outcome = await run(version, payload: payload, logTail: logTail, invocationID: record.id)
        await finish(record.id, function: version.functionName, outcome: outcome, keepResult: false)
        return (record.id, outcome.map(\.result))
    }

    /// A queued call this instance claimed: run at most once, whatever happens.
    func run(_ claimed: ClaimedInvocation) async {
        let invocation = claimed.invocation
        let outcome: Result<Timed, DispatcherError>
        do {
            let version = try await store.version(of: invocation.functionName, number: invocation.version)
            guard version.functionID == invocation.functionID else {
                throw RegistryError.functionNotFound(name: invocation.functionName)
            }
            outcome = await run(version, payload: claimed.input, logTail: true, invocationID: invocation.id)
        } catch {
            // Deleted since it was queued.
            let status = InvocationOutcome(
                status: .cancelled, error: InvocationError(type: InvocationError.cancelledType, message: "the function was deleted before the call ran"))
            _ = try? await store.finishInvocation(id: invocation.id, outcome: status)
            return
        }
        await finish(invocation.id, function: invocation.functionName, outcome: outcome, keepResult: true)
    }

    struct Timed: Sendable {
        var result: InvocationResult
        var duration: Duration
    }

    /// `invocationID` is the record's: the function sees it as `context.aws_request_id`.
    private func run(_ version: FunctionVersion, payload: [UInt8], logTail: Bool, invocationID: String) async -> Result<Timed, DispatcherError> {
        let started = ContinuousClock.now
        do {
            let definition = try await catalog.definition(of: version)
            let result = try await dispatcher.invoke(definition, payload: payload, logTail: logTail, invocationID: invocationID)
            return .success(Timed(result: result, duration: ContinuousClock.now - started))
        } catch let error as DispatcherError {
            return .failure(error)
        } catch {
            // Its package could not be extracted or its dependencies reinstalled (say, after the
            // state directory was wiped and the index is unreachable).
            return .failure(.runnerStartFailed(reason: "the function's package could not be prepared: \(error)"))
        }
    }

    private func finish(_ id: String, function: String, outcome: Result<Timed, DispatcherError>, keepResult: Bool) async {
        let record: InvocationOutcome
        switch outcome {
        case .success(let timed):
            let milliseconds = timed.duration.milliseconds
            record = .succeeded(result: keepResult ? timed.result.json : nil, durationMS: milliseconds, logTail: timed.result.logTail)
            metrics.invocation(function: function, outcome: "succeeded", duration: timed.duration, coldStart: timed.result.coldStart)
        case .failure(let error):
            let (status, type, tail) = Self.classify(error)
            record = InvocationOutcome(status: status, error: InvocationError(type: type, message: error.summary), logTail: tail)
            metrics.invocation(function: function, outcome: status.rawValue, duration: .zero, coldStart: false)
        }
        do {
            _ = try await store.finishInvocation(id: id, outcome: record)
        } catch {
            logger.warning("could not record the end of invocation \(id): \(error)")
        }
    }

    /// The status a failed call is recorded with, the error type shown, and the log tail it carries.
    static func classify(_ error: DispatcherError) -> (InvocationStatus, String, String?) {
        switch error {
        case .functionFailed(let type, _, _, let tail): return (.failed, type, tail)
        case .loadFailed(let type, _, _): return (.failed, type, nil)
        case .invalidPayload(let type, _): return (.failed, type, nil)
        case .timedOut: return (.timedOut, "Timeout", nil)
        case .queueTimedOut, .tooManyConcurrentInvocations: return (.failed, "TooManyRequests", nil)
        case .outOfMemory: return (.failed, "OutOfMemory", nil)
        case .runnerDied: return (.failed, "RunnerFailed", nil)
        case .shutDown: return (.interrupted, InvocationError.interruptedType, nil)
        default: return (.failed, "Unavailable", nil)
        }
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
