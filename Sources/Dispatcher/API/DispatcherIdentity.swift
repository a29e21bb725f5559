#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who owns a container, written into its `pylambda.owner` label as `host/pid/start-ticks/nonce`.
/// A pid alone is not enough to tell that the owner is gone (pids are reused), so the process start
/// time from `/proc/<pid>/stat` goes with it; the nonce tells apart dispatchers in one process.
public struct DispatcherIdentity: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var pid: Int32
    public var startTicks: UInt64
    public var nonce: String

    public var description: String { "\(host)/\(pid)/\(startTicks)/\(nonce)" }

    static func current() -> DispatcherIdentity {
        let pid = getpid()
        return DispatcherIdentity(
            host: hostName(), pid: pid, startTicks: processStartTicks(pid) ?? 0,
            nonce: String(UInt32.random(in: 0...UInt32.max), radix: 16))
    }

    public init(host: String, pid: Int32, startTicks: UInt64, nonce: String) {
        self.host = host
        self.pid = pid
        self.startTicks = startTicks
        self.nonce = nonce
    }

    public init?(label: String) {
        let parts = label.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, let pid = Int32(parts[1]), let ticks = UInt64(parts[2]) else { return nil }
        self.init(host: String(parts[0]), pid: pid, startTicks: ticks, nonce: String(parts[3]))
    }

    /// True unless the owner is known to be gone. An owner on another host (a shared daemon) cannot be
    /// checked and counts as alive, so its containers are left alone. A zombie (killed, not yet reaped
    /// by its parent) is gone: it runs nothing, and its parent may take a while.
    public var isAlive: Bool {
        guard host == Self.hostName() else { return true }
        guard let (state, ticks) = Self.processStateAndStartTicks(pid), state != "Z", state != "X" else { return false }
        return startTicks == 0 || ticks == startTicks
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.replacingSlashes()
    }

    /// Field 22 of `/proc/<pid>/stat`; nil when there is no such process.
    static func processStartTicks(_ pid: Int32) -> UInt64? {
        processStateAndStartTicks(pid)?.ticks
    }

    /// Fields 3 (the state: `R`, `S`, `Z`, ...) and 22 of `/proc/<pid>/stat`.
    static func processStateAndStartTicks(_ pid: Int32) -> (state: Character, ticks: UInt64)? {
        guard let bytes = procStat(pid) else { return nil }
        let stat = String(decoding: bytes, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces; count from after it.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let ticks = UInt64(fields[19]) else { return nil }
        return (state, ticks)
    }
}

/// `/proc/<pid>/stat`, read with plain system calls (no Foundation on this path).
private func procStat(_ pid: Int32) -> [UInt8]? {
    let descriptor = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    return count > 0 ? Array(buffer[0..<count]) : nil
}

extension String {
    fileprivate func replacingSlashes() -> String {
        String(map { $0 == "/" ? "_" : $0 })
    }
}
