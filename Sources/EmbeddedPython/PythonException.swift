/// A Python exception, copied out of the interpreter so that it can leave the interpreter thread.
public struct PythonException: Error, Sendable, CustomStringConvertible {
    /// The exception's type name, e.g. `ZeroDivisionError`.
    public var typeName: String
    /// `str(exception)`.
    public var message: String
    /// Whether it is the `DeadlineExceeded` that the watchdog raised into a call past its deadline.
    public var isDeadlineExceeded: Bool

    public init(typeName: String, message: String, isDeadlineExceeded: Bool = false) {
        self.typeName = typeName
        self.message = message
        self.isDeadlineExceeded = isDeadlineExceeded
    }

    public var description: String { message.isEmpty ? typeName : "\(typeName): \(message)" }
}
