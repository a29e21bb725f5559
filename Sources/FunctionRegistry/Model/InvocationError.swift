/// The error of a failed, timed-out, interrupted or cancelled invocation, as the API shows it.
public struct InvocationError: Sendable, Equatable, Codable {
    /// The Python exception type, or one of pylambda's (`Timeout`, `Interrupted`, `Cancelled`, ...).
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    /// What the store writes when a call's serve process is gone.
    public static let interruptedType = "Interrupted"
    /// What the store writes when a queued call is cancelled.
    public static let cancelledType = "Cancelled"
}
