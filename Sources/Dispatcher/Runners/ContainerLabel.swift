/// The labels on every container PyLambda starts. They let people and `docker ps --filter` find them,
/// and tests find their leftovers. They are *not* trusted by PyLambda itself: any image can carry
/// labels. What a container is and which directory belongs to it comes from the host-only runner
/// records in the state directory.
public enum ContainerLabel {
    public static let managed = "pylambda.managed"
    /// SHA-256 of the function's source (empty for a warm-pool runner with no code yet).
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

/// What the host bind-mounts into a runner's container, and where.
enum RunnerMount {
    /// The runner's socket directory (read-write until sealed): the container has no network to be
    /// reached through.
    static let containerDirectory = "/run/pylambda"
    static var containerSocket: String { "\(containerDirectory)/\(RunnerDirectory.socketName)" }
    /// The runner's task directory, read-only: the package loaded into it, linked in by the host.
    static let taskDirectory = "/var/task"
    /// The dependency store, read-only: sets of public packages, reached by their key.
    static let dependencyDirectory = "/opt/pylambda/deps"

    static func dependencySitePackages(_ key: String) -> String {
        "\(dependencyDirectory)/\(key)/site-packages"
    }
}
