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
