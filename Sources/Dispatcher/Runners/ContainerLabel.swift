/// The labels on every container PyLambda starts. They let people and `docker ps --filter` find them,
/// and tests find their leftovers. They are *not* trusted by PyLambda itself: any image can carry
/// labels. What a container is and which directory belongs to it comes from the host-only runner
/// records in the state directory.
public enum ContainerLabel {
    public static let managed = "pylambda.managed"
    /// The code's hash (`FunctionDefinition.codeHash`: the source's SHA-256 or the package's digest;
    /// empty for a warm-pool runner with no code yet).
    public static let codeHash = "pylambda.code-hash"
    /// `DispatcherIdentity` of the dispatcher that started it.
    public static let owner = "pylambda.owner"
    /// `owned` or `shared`.
    public static let lifetime = "pylambda.lifetime"
    /// The container profile (limits), for people reading `docker inspect`.
    public static let profile = "pylambda.profile"
    /// Seconds of idleness after which the runner exits by itself.
    public static let idleTTL = "pylambda.idle-ttl"
}
