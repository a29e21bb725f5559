#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The moment a request says it was signed, in whole UTC seconds (SigV4 has no fractions).
///
/// Parsed by hand rather than with a date formatter: the two formats are fixed, a formatter would
/// accept more than them (and depend on locale settings), and every field is range-checked here so
/// that `20150231T250000Z` is refused instead of rolling over into March.
struct SigningTimestamp: Sendable, Hashable, Comparable {
    var secondsSince1970: Int64

    init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
    }

    /// `date`, rounded down to the second. A clock reading beyond any calendar (infinite, or past
    /// the year 30 million) counts as the epoch, so it fails every check instead of trapping.
    init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        self.secondsSince1970 = abs(seconds) < 1e15 ? Int64(seconds) : 0
    }

    var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.secondsSince1970 < rhs.secondsSince1970 }

    func adding(seconds: Int64) -> Self { Self(secondsSince1970: secondsSince1970 + seconds) }

    /// `20150830T123600Z`, the form of `X-Amz-Date` and of the string to sign.
    var basicFormat: String {
        let (days, secondOfDay) = secondsSince1970.quotientAndRemainder(dividingBy: 86_400)
        let (dayNumber, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let (year, month, day) = Self.civilDate(daysSince1970: dayNumber)
        return Self.digits(year, 4) + Self.digits(month, 2) + Self.digits(day, 2) + "T"
            + Self.digits(second / 3600, 2) + Self.digits(second / 60 % 60, 2) + Self.digits(second % 60, 2) + "Z"
    }

    /// `20150830`, the date element of the credential scope.
    var day: String { String(basicFormat.prefix(8)) }

    /// Parses `X-Amz-Date`: exactly `yyyyMMdd'T'HHmmss'Z'`.
    init?(amzDate: String) {
        let bytes = Array(amzDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let year = Self.number(bytes[0..<4]), let month = Self.number(bytes[4..<6]),
            let day = Self.number(bytes[6..<8]), let hour = Self.number(bytes[9..<11]),
            let minute = Self.number(bytes[11..<13]), let second = Self.number(bytes[13..<15])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetSeconds: 0)
    }

    /// Parses a `Date` header in the RFC 5322 form HTTP uses, `Sun, 30 Aug 2015 12:36:00 GMT`, with
    /// or without the weekday, with `GMT`/`UT`/`UTC`/`Z` or a numeric zone (botocore writes `-0000`).
    /// The obsolete RFC 850 and asctime forms are refused: no AWS SDK writes them.
    init?(httpDate: String) {
        var tokens = httpDate.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        if let first = tokens.first, first.hasSuffix(",") {
            guard Self.weekdays.contains(String(first.dropLast())) else { return nil }
            tokens = tokens.dropFirst()
        }
        guard tokens.count == 5 else { return nil }
        let parts = Array(tokens)
        let clock = parts[3].split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts[0].utf8.count), let day = Self.number(parts[0].utf8),
            let monthIndex = Self.months.firstIndex(of: String(parts[1])),
            parts[2].utf8.count == 4, let year = Self.number(parts[2].utf8),
            clock.count == 3, clock.allSatisfy({ $0.utf8.count == 2 }),
            let hour = Self.number(clock[0].utf8), let minute = Self.number(clock[1].utf8),
            let second = Self.number(clock[2].utf8),
            let offset = Self.zoneOffsetSeconds(parts[4])
        else { return nil }
        self.init(
            year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second,
            offsetSeconds: offset)
    }

    private init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetSeconds: Int) {
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let days = Int64(Self.daysSince1970(year: year, month: month, day: day))
        self.secondsSince1970 =
            days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    private static let weekdays: Set<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func zoneOffsetSeconds(_ zone: Substring) -> Int? {
        if ["GMT", "UT", "UTC", "Z"].contains(zone) { return 0 }
        let bytes = Array(zone.utf8)
        guard bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            let hours = number(bytes[1..<3]), let minutes = number(bytes[3..<5]), hours <= 23, minutes <= 59
        else { return nil }
        let offset = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -offset : offset
    }

    /// The value of a run of ASCII digits (nothing else, not even a sign).
    private static func number(_ bytes: some Collection<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func digits(_ value: some BinaryInteger, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil and civil_from_days (proleptic Gregorian calendar).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
