import RunnerProtocol

extension DispatcherError {
    /// Whose failure an error is, and so what its caller can do about it. Every protocol answers a
    /// failed call from this one reading (the service's status, Lambda's error, the invocation
    /// record's status, the metrics' outcome, the CLI's exit status, whether a claimed async call
    /// goes back to the queue), so that a new case is classified here once, and each projection is
    /// an exhaustive switch the compiler checks.
    public enum Fault: Sendable, Equatable {
        /// The function raised (`functionFailed`).
        case raised
        /// Its code did not load (`loadFailed`): it raised or exited while its module ran.
        case didNotLoad
        /// The input is not JSON, or not acceptable.
        case invalidInput
        /// The input is over the runner's limit.
        case inputTooLarge
        /// The function returned something that cannot be encoded as JSON, or is over the limit.
        case unusableResult
        /// The call ran past its timeout.
        case timedOut
        /// The container hit its memory limit.
        case outOfMemory
        /// The runner died in the call, or answered what the dispatcher cannot make sense of.
        case runnerFailed
        /// The function's containers are all busy and its queue is full, or the call waited its
        /// whole timeout for one: retry later, or raise its concurrency.
        case throttled
        /// The host could not give the call a runner: Docker, the image, the state directory, a
        /// dispatcher that is not running.
        case unavailable
        /// The dispatcher is shutting down.
        case stopping
        /// A configuration value cannot be used.
        case invalidConfiguration
    }

    public var fault: Fault {
        switch self {
        case .functionFailed: .raised
        case .loadFailed: .didNotLoad
        case .invalidPayload(let type, _):
            switch type {
            case RunnerErrorType.resultNotSerializable, RunnerErrorType.resultTooLarge: .unusableResult
            case RunnerErrorType.payloadTooLarge: .inputTooLarge
            default: .invalidInput
            }
        case .timedOut: .timedOut
        case .outOfMemory: .outOfMemory
        case .runnerDied, .containerRemoved, .protocolViolation: .runnerFailed
        case .tooManyConcurrentInvocations, .queueTimedOut: .throttled
        case .runnerStartFailed, .docker, .notRunning, .stateDirectory: .unavailable
        case .shutDown: .stopping
        case .invalidConfiguration: .invalidConfiguration
        }
    }

    /// What the runner said of a failure that is the function's, its code's or its input's: the
    /// error's type (a Python exception's name, or one of `RunnerErrorType`), message and traceback.
    public var reported: (type: String, message: String, traceback: [String])? {
        switch self {
        case .functionFailed(let type, let message, let traceback, _), .loadFailed(let type, let message, let traceback):
            (type, message, traceback)
        case .invalidPayload(let type, let message):
            (type, message, [])
        default:
            nil
        }
    }
}
