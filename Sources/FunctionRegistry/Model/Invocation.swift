#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The record of one call. It outlives its function: after a delete, `functionID` tells it apart from
/// the calls of a function later deployed under the same name.
public struct Invocation: Sendable, Equatable {
    /// A lower-case UUID.
    public var id: String
    public var functionName: String
    public var functionID: Int64
    public var version: Int
    public var mode: InvocationMode
    public var status: InvocationStatus
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Measured by the serve process that ran the call (the time in the runner, not the queue).
    public var durationMS: Double?
    public var error: InvocationError?
    /// The end of the function's output, when the call asked for it or failed.
    public var logTail: String?
    /// The JSON result of an async call that succeeded.
    public var result: [UInt8]?
    /// The serve instance that runs or ran it; on a queued call, the one that claimed it (it waits for
    /// a runner).
    public var instance: String?

    public init(
        id: String, functionName: String, functionID: Int64, version: Int, mode: InvocationMode,
        status: InvocationStatus, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil,
        durationMS: Double? = nil, error: InvocationError? = nil, logTail: String? = nil,
        result: [UInt8]? = nil, instance: String? = nil
    ) {
        self.id = id
        self.functionName = functionName
        self.functionID = functionID
        self.version = version
        self.mode = mode
        self.status = status
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMS = durationMS
        self.error = error
        self.logTail = logTail
        self.result = result
        self.instance = instance
    }
}
