#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One run of a serve process. Invocations it claims or starts carry its id; its heartbeats tell the
/// other processes sharing the database that those invocations are still being worked on.
public struct InstanceIdentity: Sendable, Equatable, Hashable {
    /// New for every process start, so that a restarted process never mistakes its predecessor's
    /// running invocations for its own.
    public var id: String
    /// With `processID`, lets a process on the same host see that an instance's process is gone
    /// without waiting for its heartbeat to go stale.
    public var hostname: String
    public var processID: Int32

    public init(id: String, hostname: String, processID: Int32) {
        self.id = id
        self.hostname = hostname
        self.processID = processID
    }

    /// A fresh identity for this process.
    public static func current() -> Self {
        var buffer = [CChar](repeating: 0, count: 256)
        let hostname = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        return Self(id: RandomUUID.lowercased(), hostname: hostname, processID: getpid())
    }
}

/// An instance as the registry knows it.
public struct InstanceRecord: Sendable, Equatable {
    public var identity: InstanceIdentity
    public var startedAt: Date
    public var heartbeatAt: Date

    public init(identity: InstanceIdentity, startedAt: Date, heartbeatAt: Date) {
        self.identity = identity
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
    }
}
