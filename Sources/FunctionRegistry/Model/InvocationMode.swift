public enum InvocationMode: String, Sendable, Equatable, CaseIterable, Codable {
    /// The caller waits for the result; the record is written when the call starts and ends.
    case sync
    /// The call is queued durably and run later, at most once; its input and result are stored.
    case async
}
