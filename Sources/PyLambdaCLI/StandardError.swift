#if canImport(Glibc)
import Glibc
#endif

/// Diagnostics go to stderr so that stdout carries nothing but the result JSON.
enum StandardError {
    static func print(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

enum DurationText {
    /// `42s`, `3m12s`, `2h5m`: compact enough for a table column.
    static func format(seconds: Double) -> String {
        let total = max(0, Int(seconds))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(total % 60)s" }
        if total < 86400 { return "\(total / 3600)h\((total % 3600) / 60)m" }
        return "\(total / 86400)d\((total % 86400) / 3600)h"
    }
}
