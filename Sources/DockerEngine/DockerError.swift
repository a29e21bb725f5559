/// What went wrong talking to the Docker daemon, phrased so that the person at the terminal knows the
/// next step: most failures here are setup problems, not bugs.
public enum DockerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens on the socket (daemon stopped, or a wrong `DOCKER_HOST`).
    case daemonUnreachable(socketPath: String, reason: String)
    /// The socket exists but this user may not use it.
    case permissionDenied(socketPath: String)
    /// The runner image (or another image) is not present locally.
    case imageMissing(image: String)
    /// A container with that name already exists.
    case nameConflict(name: String, message: String)
    /// The container was removed meanwhile (for example by `pylambda gc`).
    case noSuchContainer(id: String)
    /// No API version both sides speak: the daemon is too old, or refuses clients as old as this one.
    case unsupportedAPIVersion(daemon: String, reason: String)
    /// The daemon answered with an error that has no better explanation; its own message is kept.
    case daemon(status: Int, message: String)
    /// An image build step failed.
    case buildFailed(message: String)
    /// The calling task was cancelled before the daemon answered.
    case cancelled

    public var description: String {
        switch self {
        case .daemonUnreachable(let socketPath, let reason):
            return "cannot reach the Docker daemon at \(socketPath) (\(reason)). Start it with `sudo systemctl start docker` (or run `dockerd` as root), or point DOCKER_HOST=unix:///path/to/docker.sock at a running one."
        case .permissionDenied(let socketPath):
            return "permission denied on the Docker socket \(socketPath). Run as root, or add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log in again)."
        case .imageMissing(let image):
            return "the image \(image) is not present. Build it with `make image` in the repository (or `pylambda image build`)."
        case .nameConflict(let name, let message):
            return "a container named \(name) already exists: \(message)"
        case .noSuchContainer(let id):
            return "container \(id) no longer exists (removed by someone else?)"
        case .unsupportedAPIVersion(let daemon, let reason):
            return "cannot agree on a Docker API version with the daemon (it serves up to \(daemon)): \(reason)."
        case .daemon(let status, let message):
            return "Docker daemon error (HTTP \(status)): \(message)"
        case .buildFailed(let message):
            return "image build failed: \(message)"
        case .cancelled:
            return "the request to the Docker daemon was cancelled"
        }
    }
}
