import Logging
import RunnerProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runners as child processes with resource limits, for machines without Docker. This is NOT
/// container isolation: the function runs as this user, with this user's files and network. The CLI
/// only uses it when asked to, and says so.
final class ProcessRunnerHost: RunnerHost {
    let executable: String
    let logger: Logger
    /// Exit statuses already reaped, so that `diagnose` can still answer after `isRunning` reaped.
    private let reaped = Mutex<[Int32: Int32]>([:])

    init(executable: String, logger: Logger) {
        self.executable = executable
        self.logger = logger
    }

    func start(_ spec: ContainerSpec, directory: RunnerDirectory) async throws(DispatcherError) -> String {
        let socket = directory.socketPath
        let logPath = directory.logPath
        let function = spec.configuration
        // An address-space limit is the only memory limit a plain process has; the runtime's own
        // reservations (thread stacks, malloc arenas) need room on top of what the function uses.
        let addressSpaceKiB = (function.memoryBytes + (1 << 30)) >> 10
        let script =
            "ulimit -v \(addressSpaceKiB) && ulimit -n \(function.openFilesLimit) && ulimit -c 0 && exec \"$0\" \"$@\""
        let arguments = ["/bin/sh", "-c", script, executable, "--unix-socket", socket]
        var environment = spec.environment
        for key in ["PATH", "HOME", "LANG", "PYTHONHOME", "PYTHONPATH"] {
            if let value = getenv(key) { environment.append("\(key)=\(String(cString: value))") }
        }

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let result = posix_spawn(&pid, "/bin/sh", &fileActions, nil, argv, envp)
        guard result == 0 else {
            throw DispatcherError.runnerStartFailed(
                reason: "could not start \(executable): \(String(cString: strerror(result)))")
        }
        return "process-\(pid)"
    }

    private func pid(_ id: String) -> pid_t? {
        Int32(id.dropFirst("process-".count))
    }

    /// Exit status if the child has ended (reaping it), nil while it runs.
    private func poll(_ pid: pid_t) -> Int32? {
        if let status = reaped.withLock({ $0[pid] }) { return status }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            reaped.withLock { $0[pid] = status }
            return status
        }
        return result == 0 ? nil : -1
    }

    func isRunning(_ id: String) async -> Bool {
        guard let pid = pid(id) else { return false }
        return poll(pid) == nil
    }

    func diagnose(_ id: String, directory: RunnerDirectory?, since: Int64) async -> RunnerEnd {
        guard let pid = pid(id) else { return .gone }
        for _ in 0..<300 {
            if let status = poll(pid) {
                let log = directory?.directory.read(RunnerDirectory.logFileName, limit: 1 << 20) ?? []
                let tail = String(String(decoding: log, as: UTF8.self).suffix(2000))
                if status == -1 { return .gone }
                // Low 7 bits: the terminating signal, reported as 128 + signal like a shell does.
                let signal = status & 0x7f
                let code = signal != 0 ? 128 + Int(signal) : Int((status >> 8) & 0xff)
                return .exited(code: code, logTail: tail)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return .running
    }

    func destroy(_ id: String) async {
        if let pid = pid(id), poll(pid) == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    func shutdown() async {}

    /// `swift-runner` next to the running executable, else on PATH.
    static func findRunner(nextTo executablePath: String?) -> String? {
        var candidates: [String] = []
        if let executablePath, let slash = executablePath.lastIndex(of: "/") {
            candidates.append(String(executablePath[..<slash]) + "/swift-runner")
        }
        if let path = getenv("PATH").map({ String(cString: $0) }) {
            candidates += path.split(separator: ":").map { "\($0)/swift-runner" }
        }
        return candidates.first { access($0, X_OK) == 0 }
    }
}
