/// A Docker Engine API version such as `1.41`, compared numerically (`1.9` < `1.41`).
public struct DockerAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.41`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major, minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// The oldest API with everything this client uses: `wait?condition=not-running` (1.30) is the
    /// newest of them; `Init`, `AutoRemove`, `NanoCpus` and `Runtime` (1.25), `Tmpfs` (1.22) and
    /// `PidsLimit` (1.23) are older. So every body this client sends is valid from here on.
    public static let oldestSupported = DockerAPIVersion(1, 30)

    /// The newest API this client was checked against (Docker 27). Newer daemons keep serving it (Docker
    /// 29 serves 1.44 to 1.52); a future daemon whose minimum passes it is refused with advice.
    public static let newestSupported = DockerAPIVersion(1, 47)

    /// The version to speak with a daemon, as the Docker SDKs negotiate it: the newest both sides
    /// support. That is the daemon's own version when it is older than ours, else ours; never below
    /// the daemon's minimum (Docker 29 refuses anything under 1.44), never below our oldest.
    public static func negotiate(with daemon: DockerVersion) throws(DockerError) -> DockerAPIVersion {
        guard let daemonVersion = DockerAPIVersion(daemon.apiVersion) else {
            throw .unsupportedAPIVersion(
                daemon: daemon.apiVersion, reason: "the daemon reported an API version this client cannot read")
        }
        let daemonMinimum = daemon.minimumAPIVersion.flatMap(DockerAPIVersion.init) ?? DockerAPIVersion(1, 12)
        let chosen = min(daemonVersion, newestSupported)
        if chosen < oldestSupported {
            throw .unsupportedAPIVersion(
                daemon: daemon.apiVersion, reason: "PyLambda needs at least API \(oldestSupported); upgrade Docker")
        }
        if chosen < daemonMinimum {
            throw .unsupportedAPIVersion(
                daemon: daemon.apiVersion,
                reason:
                    "the daemon refuses clients older than API \(daemonMinimum) and PyLambda speaks at most \(newestSupported); upgrade PyLambda"
            )
        }
        return chosen
    }
}
