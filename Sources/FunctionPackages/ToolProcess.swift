#if canImport(Glibc)
import Glibc
#endif

/// One run of an installer tool (uv, pip, python): stdin from /dev/null, stdout and stderr into
/// one file, a deadline, killed when the calling task is cancelled or the deadline passes. It stays
/// in the caller's process group, so a Ctrl-C at the terminal reaches it too.
struct ToolProcess {
    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let directory: String
    let outputFile: String

    struct Outcome {
        let exitCode: Int32
        /// The last 4 KiB of stdout and stderr.
        let output: String
    }

    func run(timeout: Duration) async throws(DependencyError) -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        // The shell changes directory (glibc's posix_spawn_file_actions_addchdir_np is not
        // visible to Swift) and then becomes the tool; 126/127 mean the tool could not start.
        let command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw .installerUnavailable("could not start /bin/sh: \(SystemError.message(spawned))")
        }

        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        var delay = Duration.milliseconds(5)
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR {
                throw .fileSystem(FileSystemError(path: executable, operation: "wait for"))
            }
            if Task.isCancelled || ContinuousClock.now >= deadline {
                // Not reaped yet, so the pid is still this child's.
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                if Task.isCancelled { throw .cancelled }
                throw .timedOut(tool: executable, seconds: timeout.components.seconds)
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(100))
        }
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = Self.tail(of: outputFile)
        if exitCode == 126 || exitCode == 127 {
            throw .installerUnavailable("could not start \(executable) in \(directory): \(output)")
        }
        return Outcome(exitCode: exitCode, output: output)
    }

    static func tail(of path: String, bytes: Int = 4096) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        lseek(fd, max(0, size - off_t(bytes)), SEEK_SET)
        let text = ((try? readAll(fd, limit: bytes, path: path)) ?? nil) ?? []
        return String(decoding: text, as: UTF8.self).trimmingWhitespace
    }
}
