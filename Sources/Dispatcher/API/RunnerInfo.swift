/// What a dispatcher knows about one of its runners, for monitoring and tests.
public struct RunnerInfo: Sendable, Hashable {
    /// Container id (or `process-<pid>`).
    public var id: String
    public var name: String
    /// The loaded code's hash (`FunctionDefinition.codeHash`); nil for a generic warm-pool runner.
    public var codeHash: String?
    public var busy: Bool
    public var idleSeconds: Double
}
