#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A live function: its identity, its latest version and how much it has been used.
public struct FunctionRecord: Sendable, Equatable {
    public var name: String
    public var id: Int64
    public var createdAt: Date
    /// The newest version; new calls run this one.
    public var latest: FunctionVersion
    /// Versions are never deleted one by one, so this is also the latest version number.
    public var versionCount: Int
    /// Invocations by status (statuses with none are absent). Filled by `function(named:)`, nil in
    /// lists, where counting for every function would cost a scan per row.
    public var invocationCounts: [InvocationStatus: Int]?

    public init(
        name: String, id: Int64, createdAt: Date, latest: FunctionVersion, versionCount: Int,
        invocationCounts: [InvocationStatus: Int]?
    ) {
        self.name = name
        self.id = id
        self.createdAt = createdAt
        self.latest = latest
        self.versionCount = versionCount
        self.invocationCounts = invocationCounts
    }
}
