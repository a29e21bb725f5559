/// A Python exception, copied out of the interpreter so that it can leave the interpreter thread.
public struct PythonException: Error, Sendable, CustomStringConvertible {
    /// The exception's type name, e.g. `ZeroDivisionError`.
    public var typeName: String
    /// `str(exception)`.
    public var message: String

    public init(typeName: String, message: String) {
        self.typeName = typeName
        self.message = message
    }

    public var description: String { message.isEmpty ? typeName : "\(typeName): \(message)" }
}
