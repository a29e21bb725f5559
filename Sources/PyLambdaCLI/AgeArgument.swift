/// An age on the command line: a number with `s`, `m`, `h` or `d` (`30m`, `12h`, `7d`), or a bare
/// number of seconds.
enum AgeArgument {
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value.isFinite, value >= 0 {
            return value * factor
        }
        return Double(text).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
    }
}
