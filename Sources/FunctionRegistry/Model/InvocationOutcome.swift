/// How a running invocation ended, as handed to `FunctionStore.finishInvocation`.
public struct InvocationOutcome: Sendable, Equatable {
    /// A final status; `queued` and `running` are refused.
    public var status: InvocationStatus
    public var durationMS: Double?
    public var error: InvocationError?
    /// Kept up to `RegistryLimits.maxLogTailBytes`, from the end.
    public var logTail: String?
    /// Stored for async calls; limited to `RegistryLimits.maxPayloadBytes`.
    public var result: [UInt8]?

    public init(
        status: InvocationStatus, durationMS: Double? = nil, error: InvocationError? = nil,
        logTail: String? = nil, result: [UInt8]? = nil
    ) {
        self.status = status
        self.durationMS = durationMS
        self.error = error
        self.logTail = logTail
        self.result = result
    }

    public static func succeeded(result: [UInt8]? = nil, durationMS: Double?, logTail: String? = nil) -> Self {
        Self(status: .succeeded, durationMS: durationMS, logTail: logTail, result: result)
    }

    public static func failed(_ error: InvocationError, durationMS: Double?, logTail: String? = nil) -> Self {
        Self(status: .failed, durationMS: durationMS, error: error, logTail: logTail)
    }

    public static func timedOut(_ error: InvocationError, durationMS: Double?, logTail: String? = nil) -> Self {
        Self(status: .timedOut, durationMS: durationMS, error: error, logTail: logTail)
    }
}
