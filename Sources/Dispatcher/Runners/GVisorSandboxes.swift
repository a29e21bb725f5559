#if canImport(Glibc)
import Glibc
#endif

/// gVisor's sandbox processes (`runsc-sandbox`, `runsc-gofer`) of one container, found through /proc.
///
/// A runsc start that fails has been seen to leave its sandbox spinning after Docker gave up on the
/// container. After removing a gVisor container, the host (when it can see the daemon's processes,
/// as root on the same machine) kills what is left of it.
enum GVisorSandboxes {
    /// Processes whose command is runsc's and whose arguments name `containerID`.
    static func leftovers(of containerID: String) -> [pid_t] {
        guard containerID.count >= 12, let proc = opendir("/proc") else { return [] }
        defer { closedir(proc) }
        var found: [pid_t] = []
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = pid_t(name), let command = commandLine(pid) else { continue }
            if command.first?.hasPrefix("runsc") == true, command.contains(where: { $0.contains(containerID) }) {
                found.append(pid)
            }
        }
        return found
    }

    /// Kills the leftovers of `containerID`; returns how many there were.
    @discardableResult
    static func killLeftovers(of containerID: String) -> Int {
        let pids = leftovers(of: containerID)
        for pid in pids { kill(pid, SIGKILL) }
        return pids.count
    }

    private static func commandLine(_ pid: pid_t) -> [String]? {
        let descriptor = open("/proc/\(pid)/cmdline", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return buffer[0..<count].split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
