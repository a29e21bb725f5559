#if canImport(Glibc)
import Glibc
#endif

/// Diagnostics go to stderr so that stdout carries nothing but the result JSON.
enum StandardError {
    /// Messages often carry what a function wrote (exceptions, output): its control characters are
    /// shown, not sent to the terminal, which would act on escape sequences.
    static func print(_ text: String) {
        var line = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar -> [Unicode.Scalar] in
            switch scalar.value {
            case 0x0A, 0x09: return [scalar]
            case 0..<0x20, 0x7F, 0x80..<0xA0: return Array("\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            default: return [scalar]
            }
        }.joined()))
        if !line.hasSuffix("\n") { line += "\n" }
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
