#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock seconds, as the Docker daemon stamps its events and files their mtimes.
enum UnixTime {
    static func now() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}
