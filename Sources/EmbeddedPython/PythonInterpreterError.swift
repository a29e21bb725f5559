/// Why the interpreter could not give a job's result.
public enum PythonInterpreterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// CPython did not start; the message is CPython's own.
    case initializationFailed(String)
    /// The job ran past its deadline and was interrupted (or never started before it).
    case deadlineExceeded(timeout: Duration, started: Bool)
    /// The job ran past its deadline plus the grace period and could not be interrupted (blocked in C).
    /// The interpreter thread is lost; the process should be replaced.
    case unresponsive(timeout: Duration)

    public var description: String {
        switch self {
        case .initializationFailed(let message):
            "the Python interpreter failed to start: \(message)"
        case .deadlineExceeded(let timeout, let started):
            started
                ? "timed out after \(timeout.secondsDescription) s"
                : "timed out after \(timeout.secondsDescription) s while waiting for an earlier invocation"
        case .unresponsive(let timeout):
            "timed out after \(timeout.secondsDescription) s and could not be interrupted (busy or blocked in C code)"
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
