import CLinux
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// How many event loops serve runs: one per CPU it may run on.
///
/// NIO sizes its shared event loop group by the machine's cores and the cgroup's CPU quota and cpuset,
/// but not by the process's CPU affinity (`taskset`, `numactl`). A serve pinned to one CPU of two
/// would run two loops on it: every call whose runner connection is on the other loop than the
/// caller's then wakes it, and each loop preempts the other, with nothing gained.
public enum EventLoopCount {
    /// Sets NIO's suggested loop count to the CPUs this process may run on, when that is fewer than
    /// NIO would use and `NIO_SINGLETON_GROUP_LOOP_COUNT` does not say otherwise. Call it once, first
    /// thing, before anything uses NIO's shared event loop group.
    public static func fitToAffinity() {
        guard getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil, let allowed = allowedCPUs(), allowed < System.coreCount else { return }
        NIOSingletons.groupLoopCountSuggestion = allowed
    }

    /// The CPUs in this process's affinity mask, or nil when it cannot be read.
    static func allowedCPUs() -> Int? {
        let count = Int(clinux_allowed_cpu_count())
        return count > 0 ? count : nil
    }
}
