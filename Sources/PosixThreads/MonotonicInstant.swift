#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on `CLOCK_MONOTONIC`, in nanoseconds: the clock that deadlines, condition waits and
/// Python's `time.monotonic_ns()` share, read without allocating or locking.
public struct MonotonicInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// Later than any real instant: "no deadline".
    public static let never = MonotonicInstant(nanoseconds: .max)

    public static var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Saturates at `never`, so that a far deadline stays far instead of wrapping into the past.
    public static func + (lhs: Self, rhs: Duration) -> Self {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.clampedNanoseconds)
        return overflow ? .never : MonotonicInstant(nanoseconds: sum)
    }

    /// `nanoseconds` later (saturating at `never`): without `Duration`'s 128-bit arithmetic, for
    /// per-request deadlines.
    public func advanced(byNanoseconds nanoseconds: UInt64) -> Self {
        let (sum, overflow) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        return overflow ? .never : MonotonicInstant(nanoseconds: sum)
    }

    /// The time from `earlier` to this instant; zero if `earlier` is later.
    public func duration(since earlier: Self) -> Duration {
        nanoseconds > earlier.nanoseconds ? .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds)) : .zero
    }

    /// Whole milliseconds from now until this instant, rounded up, for `epoll_wait`: -1 for `never`.
    public func millisecondsFromNow(_ now: MonotonicInstant = .now) -> Int32 {
        guard self != .never else { return -1 }
        guard nanoseconds > now.nanoseconds else { return 0 }
        let milliseconds = (nanoseconds - now.nanoseconds + 999_999) / 1_000_000
        return Int32(clamping: milliseconds)
    }

    public var description: String { self == .never ? "never" : "\(nanoseconds) ns" }
}

extension Duration {
    /// Whole nanoseconds, clamped to 0...UInt64.max: a negative duration is none, a huge one is forever.
    public var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        guard seconds < Int64(UInt64.max / 1_000_000_000) - 1 else { return .max }
        let nanoseconds = Int64(seconds) * 1_000_000_000 + attoseconds / 1_000_000_000
        return nanoseconds > 0 ? UInt64(nanoseconds) : 0
    }
}
