#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Date` field line (RFC 9110 section 6.6.1: an origin server with a clock sends it), formatted
/// once a second rather than once a response. One per thread that writes responses.
public struct HTTPDate {
    private var second = -1
    /// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    private var line: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    static let lineLength = 37

    public init() {}

    /// The current field line, `lineLength` bytes of it (the rest is padding).
    mutating func fieldLine() -> (UInt64, UInt64, UInt64, UInt64, UInt64) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        if now.tv_sec != second {
            second = now.tv_sec
            format(now.tv_sec)
        }
        return line
    }

    private mutating func format(_ seconds: Int) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text = "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        withUnsafeMutableBytes(of: &line) { storage in
            let utf8 = Array(text.utf8.prefix(Self.lineLength))
            storage.copyBytes(from: utf8)
        }
    }
}
