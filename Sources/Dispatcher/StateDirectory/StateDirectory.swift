#if canImport(Glibc)
import Glibc
#endif

/// The dispatcher's state directory: private to this user (0700), opened once and used only through
/// descriptors from then on.
///
///     STATE/                 0700
///     STATE/runners/<name>/  one per runner (see `RunnerDirectory`)
///
/// Removal (shutdown, sweeps, `pylambda gc`) only ever touches names inside `runners/`, chosen by the
/// host and checked to be single components, and removes them without following links.
final class StateDirectory: Sendable {
    let root: DirectoryDescriptor
    let runners: DirectoryDescriptor

    static let runnersDirectoryName = "runners"

    var path: String { root.path }

    private init(root: DirectoryDescriptor, runners: DirectoryDescriptor) {
        self.root = root
        self.runners = runners
    }

    /// Opens (creating it if needed) the state directory at `path`. A directory that exists must be a
    /// real directory owned by this user; it is made 0700 if it was not.
    static func open(path: String) throws(StateDirectoryError) -> StateDirectory {
        guard path.hasPrefix("/"), path.count > 1 else { throw .invalidName(path) }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        try makeParents(of: trimmed)
        if mkdir(trimmed, 0o700) != 0 && errno != EEXIST { throw .system("mkdir \(trimmed)", errno) }
        // O_NOFOLLOW: a symlink planted at the path (say, in /tmp by another user) is refused.
        guard let root = try? DirectoryDescriptor.open(absolutePath: trimmed), let info = root.status(),
            info.st_uid == geteuid()
        else { throw .notPrivate(path: trimmed) }
        try root.setMode(0o700)
        let runners = try root.makeDirectory(runnersDirectoryName, mode: 0o700, existingIsFine: true)
        guard let runnersInfo = runners.status(), runnersInfo.st_uid == geteuid() else {
            throw .notPrivate(path: runners.path)
        }
        try runners.setMode(0o700)
        return StateDirectory(root: root, runners: runners)
    }

    private static func makeParents(of path: String) throws(StateDirectoryError) {
        var current = ""
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw .system("mkdir \(current)", errno) }
        }
    }

    func createRunnerDirectory(name: String) throws(StateDirectoryError) -> (RunnerDirectory, RunnerLock) {
        try RunnerDirectory.create(in: runners, name: name)
    }

    func runnerDirectory(named name: String) -> RunnerDirectory? {
        try? RunnerDirectory.open(in: runners, name: name)
    }

    /// The names of the runner directories (some may be half made or half removed).
    func runnerNames() -> [String] {
        runners.entries().filter { !$0.hasPrefix(".") }
    }

    /// Removes a runner's directories, whatever the container left in its socket directory.
    func removeRunnerDirectory(named name: String) {
        runners.removeTree(name)
    }

    /// Seconds since the runner directory `name` was made or changed.
    func ageOfRunnerDirectory(named name: String) -> Double? {
        runners.secondsSinceModified(name)
    }

    /// Directories of PyLambda versions before `runners/` existed (`STATE/pylambda-*`, shared with
    /// their containers): removed, without following anything planted in them.
    func removeLegacyRunnerDirectories() {
        for name in root.entries() where name.hasPrefix("pylambda-") {
            root.removeTree(name)
        }
    }
}
