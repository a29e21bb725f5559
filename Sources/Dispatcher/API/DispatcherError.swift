import DockerEngine
import RunnerProtocol

/// Why an invocation failed. Each case is a different thing for the caller to do: fix the function,
/// raise a limit, retry later, or fix the machine's setup.
public enum DispatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `entrypoint` raised; `type`, `message` and `traceback` come from the runner, `logTail` (the
    /// call's last output) when the call asked for it.
    case functionFailed(type: String, message: String, traceback: [String], logTail: String? = nil)
    /// The source could not be loaded: syntax error, import error, no `entrypoint`, or code that
    /// ended the runner while it loaded (`LoadFailureType`).
    case loadFailed(type: String, message: String, traceback: [String])
    /// The result could not be encoded as JSON, or the input was not acceptable.
    case invalidPayload(type: String, message: String)
    /// The call ran past its deadline; its container was killed and will be replaced. `logTail`:
    /// what it printed until then, when the call asked for it and the runner could say.
    case timedOut(seconds: Double, logTail: String? = nil)
    /// The container hit its memory limit and was killed by the kernel.
    case outOfMemory(limitBytes: Int64)
    /// The runner process ended in the middle of the call (`os._exit`, a segfault, ...).
    case runnerDied(exitCode: Int, logTail: String)
    /// The runner's container went away in the middle of the call, removed from outside (`docker rm`,
    /// `pylambda gc`): the call started, and may have run in part.
    case containerRemoved
    /// A new runner did not come up (bad image, crash at start, start timeout).
    case runnerStartFailed(reason: String)
    /// Every container of this function is busy and the queue for it is full.
    case tooManyConcurrentInvocations(limit: Int, queued: Int)
    /// The Docker daemon failed or could not be reached.
    case docker(DockerError)
    /// The runner answered something the dispatcher cannot make sense of.
    case protocolViolation(String)
    /// The call waited this long for a free container of its function (all busy, up to its
    /// concurrency) and gave up: its timeout covers the wait.
    case queueTimedOut(seconds: Double)
    /// The dispatcher was shut down (or is shutting down) while the call waited.
    case shutDown
    /// The dispatcher's `run()` is not running, so nothing could start a runner.
    case notRunning
    /// A configuration value cannot be used; the message says which and why.
    case invalidConfiguration(String)
    /// The state directory (runner sockets and records) cannot be used.
    case stateDirectory(StateDirectoryError)

    public var description: String {
        switch self {
        case .functionFailed(let type, let message, let traceback, _):
            let trace = traceback.isEmpty ? "" : "\n" + traceback.joined(separator: traceback.first?.hasSuffix("\n") == true ? "" : "\n")
            return "the function raised \(type): \(message)\(trace)"
        case .loadFailed(let type, let message, let traceback):
            let trace = traceback.isEmpty ? "" : "\n" + traceback.joined(separator: traceback.first?.hasSuffix("\n") == true ? "" : "\n")
            return "the code could not be loaded: \(type): \(message)\(trace)"
        case .invalidPayload(let type, let message):
            switch type {
            case RunnerErrorType.invalidRequest: return "the input is not valid JSON: \(message)"
            case RunnerErrorType.resultNotSerializable:
                return "the function's result cannot be encoded as JSON: \(message)"
            case RunnerErrorType.resultTooLarge:
                return "the function's result is too large: \(message)"
            case RunnerErrorType.payloadTooLarge:
                return "the input is too large for the runner: \(message) (FunctionConfiguration.maxBodyBytes)"
            default: return "\(type): \(message)"
            }
        case .timedOut(let seconds, _):
            return "the function timed out after \(Self.format(seconds)) s; its container was killed and will be replaced (raise its timeout: run or deploy --timeout, timeout_s in a deploy, FunctionConfiguration.timeout)"
        case .outOfMemory(let limit):
            return "the function hit its memory limit of \(limit >> 20) MiB and was killed (raise it: run or deploy --memory, memory_mb in a deploy, FunctionConfiguration.memoryBytes)"
        case .runnerDied(let exitCode, let logTail):
            let signal = exitCode > 128 ? " (signal \(exitCode - 128))" : ""
            let logs = logTail.isEmpty ? "" : "\nlast output:\n\(logTail)"
            return "the runner process died during the call with exit code \(exitCode)\(signal)\(logs)"
        case .containerRemoved:
            return "the runner's container was removed during the call (by `docker rm`, `pylambda gc` or another process); the call may have run in part"
        case .runnerStartFailed(let reason):
            return "could not start a runner: \(reason)"
        case .tooManyConcurrentInvocations(let limit, let queued):
            return "too many concurrent invocations of this function: all \(limit) containers are busy and \(queued) calls are already queued; retry later, or raise its concurrency (deploy --concurrency, concurrency in a deploy) or the queue (serve --max-queued; DispatcherConfiguration.maxQueuedInvocationsPerFunction)"
        case .docker(let error):
            return error.description
        case .protocolViolation(let message):
            return "unexpected answer from the runner: \(message)"
        case .queueTimedOut(let seconds):
            return "the call waited \(Self.format(seconds)) s (its timeout) for a free container of this function and gave up: all are busy; raise its concurrency (deploy --concurrency, concurrency in a deploy) or its timeout"
        case .shutDown:
            return "the dispatcher is shut down"
        case .notRunning:
            return "the dispatcher is not running: call its run() (it is a ServiceLifecycle Service) or use Dispatcher.withDispatcher { ... }"
        case .invalidConfiguration(let message):
            return "invalid configuration: \(message)"
        case .stateDirectory(let error):
            return "state directory: \(error)"
        }
    }

    /// What the function printed before it failed (its last 4 KiB), when the call asked for it and
    /// the runner could say: a function that raised, or one interrupted at its deadline.
    public var logTail: String? {
        switch self {
        case .functionFailed(_, _, _, let tail), .timedOut(_, let tail): tail
        default: nil
        }
    }

    /// The description's first line: for one-line messages (an HTTP error's `detail`), without the
    /// traceback.
    public var summary: String {
        switch self {
        case .functionFailed(let type, let message, _, _): return "the function raised \(type): \(message.firstLine)"
        case .loadFailed(let type, let message, _): return "the code could not be loaded: \(type): \(message.firstLine)"
        case .runnerDied(let exitCode, _):
            return "the runner process died during the call with exit code \(exitCode)\(exitCode > 128 ? " (signal \(exitCode - 128))" : "")"
        default: return description.firstLine
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

extension String {
    fileprivate var firstLine: String {
        split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? self
    }
}

/// The `loadFailed` types of a load that did not end in an exception the module raised. (A raised
/// one's type is the exception's class name.) Each has a dot, which a class name has not, so that a
/// module raising its own `Timeout` or `OutOfMemory` is not taken for one of these.
public enum LoadFailureType {
    /// The runner exited (`sys.exit`, `os._exit`, a signal it sent itself, a crash).
    public static let runnerExited = "Load.RunnerExited"
    /// The container ran out of memory.
    public static let outOfMemory = "Load.OutOfMemory"
    /// Loading took longer than the function's timeout.
    public static let timedOut = "Load.Timeout"
}
