/// How a running invocation ended, as handed to `FunctionStore.finishRunning`.
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

    /// This outcome with its error message and log tail cut to `maxBytes` each (a message's start, a
    /// log's end), never inside a character: as the registry cuts them to its own limits when it
    /// stores them.
    public func cut(toTextBytes maxBytes: Int) -> Self {
        var cut = self
        cut.logTail = logTail.map { InputValidation.suffix($0, maxBytes: maxBytes) }
        if let message = error?.message { cut.error?.message = InputValidation.prefix(message, maxBytes: maxBytes) }
        return cut
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
