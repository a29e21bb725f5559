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

    /// A file PyLambda writes into every state directory it makes. A directory without it is not
    /// made private, nor cleaned up, unless it is empty or holds only what PyLambda puts there: a
    /// mistaken `--state /tmp` must not take /tmp over.
    static let markerName = ".pylambda-state"

    /// Opens (creating it if needed) the state directory at `path`, whose runner directories are in
    /// `runnersName` (the process backend keeps its own: its runners are not isolated from the host).
    ///
    /// Every directory above it must belong to root or this user and be writable by nobody else
    /// (unless sticky, like /tmp), as ssh checks its files: otherwise another user could swap one of
    /// them, and the paths the host hands Docker and connects to would lead elsewhere.
    static func open(path: String, runnersName: String = runnersDirectoryName) throws(StateDirectoryError) -> StateDirectory {
        guard path.hasPrefix("/"), path.count > 1 else { throw .notAbsolute(path: path) }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        try makeParents(of: trimmed)
        try checkAncestors(of: trimmed)
        let created = mkdir(trimmed, 0o700) == 0
        if !created && errno != EEXIST { throw .system("mkdir \(trimmed)", errno) }
        // O_NOFOLLOW: a symlink planted at the path (say, in /tmp by another user) is refused.
        guard let root = try? DirectoryDescriptor.open(absolutePath: trimmed), let info = root.status(),
            info.st_uid == geteuid()
        else { throw .notPrivate(path: trimmed) }
        if root.status(of: markerName) == nil {
            let known: Set<String> = [runnersDirectoryName, "process-runners", "admin.key", "registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "serve.lock", "deps", "packages"]
            let foreign = root.entries().filter { !$0.hasPrefix("pylambda-") && !known.contains($0) }
            guard foreign.isEmpty else { throw .notOurs(path: trimmed) }
            try root.writeAtomically(markerName, Array("This directory belongs to PyLambda; its runners keep their sockets and records here.\n".utf8))
        }
        try root.setMode(0o700)
        let runners = try root.makeDirectory(runnersName, mode: 0o700, existingIsFine: true)
        guard let runnersInfo = runners.status(), runnersInfo.st_uid == geteuid() else {
            throw .notPrivate(path: runners.path)
        }
        try runners.setMode(0o700)
        return StateDirectory(root: root, runners: runners)
    }

    /// `mkdir -p` of the directories above `path`. Those it makes are 0755 whatever the umask (a
    /// umask of 002 would leave them group-writable, and `checkAncestors` would refuse them).
    static func makeParents(of path: String) throws(StateDirectoryError) {
        var current = ""
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            if mkdir(current, 0o755) == 0 {
                _ = chmod(current, 0o755)
            } else if errno != EEXIST {
                throw .system("mkdir \(current)", errno)
            }
        }
    }

    /// Every directory above `path` belongs to root or this user, and nobody else can write it: not
    /// others (unless it is sticky, like /tmp), and not its group unless that group is this user's
    /// own (its primary group, with no other members, as Debian's user private groups are). A
    /// symbolic link among them must be root's or this user's, and what it leads to is held to the
    /// same rules. Otherwise another user could rename a directory on the way, and the paths the host
    /// hands Docker (which mounts them as root) and connects to would lead elsewhere.
    static func checkAncestors(of path: String) throws(StateDirectoryError) {
        var current = ""
        var throughLink = false
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            var info = stat()
            guard lstat(current, &info) == 0 else { throw .system("stat \(current)", errno) }
            guard info.st_uid == 0 || info.st_uid == geteuid() else { throw .unsafeAncestor(current) }
            if info.st_mode & S_IFMT == S_IFLNK {
                throughLink = true
                guard stat(current, &info) == 0 else { throw .unsafeAncestor(current) }
            }
            guard !isWritableByAnotherUser(info) else { throw .unsafeAncestor(current) }
        }
        guard throughLink else { return }
        // Where the links lead, every directory of it again (the resolved path has no links).
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        guard let resolved = realpath(parent.isEmpty ? "/" : parent, nil) else { throw .system("realpath \(parent)", errno) }
        defer { free(resolved) }
        let target = String(cString: resolved)
        try checkAncestors(of: (target == "/" ? "" : target) + "/-")
    }

    private static func isWritableByAnotherUser(_ info: stat) -> Bool {
        // In a sticky directory (like /tmp, 1777) only an entry's owner may rename or remove it.
        if info.st_mode & S_ISVTX != 0 { return false }
        if info.st_mode & 0o002 != 0 { return true }
        return info.st_mode & 0o020 != 0 && !isOwnPrivateGroup(info.st_gid)
    }

    /// True for this user's primary group when it has no other members. (The reentrant lookups:
    /// several state directories may be opened at once.)
    private static func isOwnPrivateGroup(_ gid: gid_t) -> Bool {
        guard gid == getegid() else { return false }
        var buffer = [CChar](repeating: 0, count: 1 << 16)
        var user = passwd()
        var userResult: UnsafeMutablePointer<passwd>?
        guard getpwuid_r(geteuid(), &user, &buffer, buffer.count, &userResult) == 0, userResult != nil else { return false }
        let name = String(cString: user.pw_name)
        var group = Glibc.group()
        var groupResult: UnsafeMutablePointer<Glibc.group>?
        guard getgrgid_r(gid, &group, &buffer, buffer.count, &groupResult) == 0, groupResult != nil else { return false }
        var member = group.gr_mem
        while let entry = member?.pointee {
            guard String(cString: entry) == name else { return false }
            member = member?.advanced(by: 1)
        }
        return true
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
