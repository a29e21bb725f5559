#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The record of a sync call as serve writes it behind the call (see
/// `FunctionStore.recordSyncInvocations`): `running` while `outcome` is nil, else final.
///
/// Its times are taken by the process that runs the call, when things happen, not when the record
/// reaches the database.
public struct SyncInvocationRecord: Sendable, Equatable {
    public var id: String
    public var functionName: String
    public var functionID: Int64
    public var version: Int
    public var instance: String
    /// When the call arrived.
    public var createdAt: Date
    /// When it got a runner (a call waiting for one, its function's concurrency reached, is not
    /// running yet).
    public var startedAt: Date
    /// Nil while the call runs.
    public var outcome: InvocationOutcome?
    public var finishedAt: Date?

    /// A call of `version` on `instance` that starts now, with a new id.
    public init(startingNow version: FunctionVersion, instance: InstanceIdentity) {
        id = Invocation.newID()
        functionName = version.functionName
        functionID = version.functionID
        self.version = version.version
        self.instance = instance.id
        createdAt = Date()
        startedAt = createdAt
    }

    /// The same call, started at `date` (when it got its runner).
    public func started(at date: Date) -> Self {
        var record = self
        record.startedAt = date
        return record
    }

    /// The same call, ended now.
    public func finished(_ outcome: InvocationOutcome) -> Self {
        var record = self
        record.outcome = outcome
        record.finishedAt = Date()
        return record
    }
}

extension Invocation {
    /// A new invocation id: a lower-case, time-ordered UUID (version 7), so that the registry's
    /// index of ids grows at its end.
    public static func newID() -> String {
        RandomUUID.timeOrdered()
    }
}
