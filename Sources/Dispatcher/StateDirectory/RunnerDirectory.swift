#if canImport(Glibc)
import Glibc
#endif

/// One runner's directories on the host:
///
///     runners/<name>/          0700, the host's only: `record`, `lock` (and `runner.log` for processes)
///     runners/<name>/socket/   bind-mounted into the container at /run/pylambda
///     runners/<name>/task/     0755, bind-mounted read-only at /var/task: the package loaded into it
///
/// The socket directory is the one thing a container shares with the host. It is 0777 while the
/// runner starts (the runner, uid 65534, binds `runner.sock` in it), then *sealed*: 0755 and owned by
/// the host user, so the container's user (never root, and without CAP_DAC_OVERRIDE or CAP_FOWNER) can
/// no longer create, remove or replace anything in it. User code only ever runs after the seal (it
/// comes with `/load`), so the socket the host connects to is the runner's own.
final class RunnerDirectory: Sendable {
    let name: String
    let directory: DirectoryDescriptor
    let socketDirectory: DirectoryDescriptor
    let taskDirectory: DirectoryDescriptor

    static let recordFileName = "record"
    static let socketDirectoryName = "socket"
    static let taskDirectoryName = "task"
    static let socketName = "runner.sock"
    /// Where the process backend's runner writes its output (the host-only directory).
    static let logFileName = "runner.log"

    private init(name: String, directory: DirectoryDescriptor, socketDirectory: DirectoryDescriptor, taskDirectory: DirectoryDescriptor) {
        self.name = name
        self.directory = directory
        self.socketDirectory = socketDirectory
        self.taskDirectory = taskDirectory
    }

    /// Makes a new runner directory and takes its lock. Fails if the name exists.
    static func create(in runners: DirectoryDescriptor, name: String) throws(StateDirectoryError)
        -> (RunnerDirectory, RunnerLock)
    {
        let directory = try runners.makeDirectory(name, mode: 0o700)
        do throws(StateDirectoryError) {
            // 0777 only until sealed; the 0700 directory above keeps other local users out meanwhile.
            let socketDirectory = try directory.makeDirectory(socketDirectoryName, mode: 0o777)
            // Written by the host only; the container sees it read-only.
            let taskDirectory = try directory.makeDirectory(taskDirectoryName, mode: 0o755)
            guard let lock = RunnerLock(in: directory) else { throw StateDirectoryError.system("lock \(directory.path)", EWOULDBLOCK) }
            return (RunnerDirectory(name: name, directory: directory, socketDirectory: socketDirectory, taskDirectory: taskDirectory), lock)
        } catch {
            runners.removeTree(name)
            throw error
        }
    }

    /// Opens an existing runner directory (made by `create`).
    static func open(in runners: DirectoryDescriptor, name: String) throws(StateDirectoryError) -> RunnerDirectory {
        let directory = try runners.openDirectory(name)
        let socketDirectory = try directory.openDirectory(socketDirectoryName)
        let taskDirectory = try directory.openDirectory(taskDirectoryName)
        return RunnerDirectory(name: name, directory: directory, socketDirectory: socketDirectory, taskDirectory: taskDirectory)
    }

    /// The host paths to bind-mount into the container.
    var hostSocketDirectoryPath: String { socketDirectory.path }
    var hostTaskDirectoryPath: String { taskDirectory.path }
    /// The runner's socket, as the host connects to it. Safe to use by path once sealed: every
    /// directory on the way belongs to the host user and none is writable by the container.
    var socketPath: String { socketDirectory.path + "/" + Self.socketName }
    var logPath: String { directory.path + "/" + Self.logFileName }

    var record: RunnerRecord? {
        directory.read(Self.recordFileName).flatMap(RunnerRecord.decode)
    }

    func write(_ record: RunnerRecord) throws(StateDirectoryError) {
        try directory.writeAtomically(Self.recordFileName, record.encoded())
    }

    /// True once something named `runner.sock` is there (before the seal it is only looked at, never
    /// connected to).
    var socketExists: Bool { socketDirectory.status(of: Self.socketName) != nil }

    /// Takes the socket directory away from the container, then checks that what the runner left in
    /// it is its socket and nothing else (no symlink to somewhere on the host, no directory that would
    /// stay writable to the container).
    func seal() throws(StateDirectoryError) {
        try socketDirectory.setMode(0o755)
        guard isSealed, socketDirectory.rawEntries() == [Array(Self.socketName.utf8CString)] else {
            throw .unexpectedFileType(socketPath)
        }
    }

    /// True when the socket directory is sealed and holds a real socket: what an adopted runner (left
    /// warm by another process) must show before the host talks to it.
    var isSealed: Bool {
        guard let info = socketDirectory.status(), info.st_uid == geteuid(), info.st_mode & 0o7777 == 0o755,
            let socket = socketDirectory.status(of: Self.socketName)
        else { return false }
        return socket.st_mode & S_IFMT == S_IFSOCK
    }

    /// Seconds since the lock file was touched (the runner was last used); nil without one.
    var secondsSinceUsed: Double? {
        directory.secondsSinceModified(RunnerLock.fileName)
    }

    var lockIsFree: Bool { RunnerLock.isFree(in: directory) }

    /// Its lock file still says "in a call" (`RunnerLock.markInCall`): once nobody holds the lock,
    /// the process that sent that call died before its answer, and the runner may still be running
    /// it. Taking the runner over would put the next call behind one nobody will read.
    var wasLeftInCall: Bool {
        (directory.status(of: RunnerLock.fileName)?.st_size ?? 0) > 0
    }
}
