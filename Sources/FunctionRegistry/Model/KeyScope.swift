/// What a key may do.
public enum KeyScope: String, Sendable, Equatable, CaseIterable, Codable {
    /// Everything: deploy, delete, manage keys, invoke, read.
    case admin
    /// Invoke and read invocations; only of its function when the key names one.
    case invoke
}
