/// Why the interpreter could not run a job.
public enum PythonInterpreterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// CPython did not start; the message is CPython's own (or says it already runs in this process).
    case initializationFailed(String)

    public var description: String {
        switch self {
        case .initializationFailed(let message):
            "the Python interpreter failed to start: \(message)"
        }
    }
}

extension Duration {
    /// Seconds with up to three decimals and no trailing zeros: "2", "0.25", "60".
    public var secondsDescription: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        let whole = milliseconds / 1000
        var fraction = String(milliseconds % 1000)
        guard fraction != "0" else { return String(whole) }
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
