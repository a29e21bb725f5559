import ArgumentParser
import Dispatcher

#if canImport(Glibc)
import Glibc
#endif

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that pylambda can run functions here, and say how to fix what is wrong.",
        discussion: "Checks the Docker socket and its permissions, the daemon and its API version, the runner image, the state directory, and swift-runner for --backend process. Exits 1 if a required check fails."
    )

    @Option(name: .long, help: "Runner image to look for.")
    var image = "pylambda-runner:latest"

    func run() async throws {
        var failures = 0
        func report(_ ok: Bool, _ text: String, fix: String? = nil, required: Bool = true) {
            print("\(ok ? "ok  " : (required ? "FAIL" : "warn")) \(text)")
            if !ok, let fix { print("     fix: \(fix)") }
            if !ok && required { failures += 1 }
        }

        let socketPath = DockerClient.socketPathFromEnvironment()
        var info = stat()
        if stat(socketPath, &info) != 0 {
            report(false, "Docker socket \(socketPath) does not exist",
                fix: "start the daemon (`sudo systemctl start docker`, or `dockerd &` as root), or set DOCKER_HOST=unix:///path/to/docker.sock")
        } else {
            let isSocket = info.st_mode & S_IFMT == S_IFSOCK
            let mode = String(info.st_mode & 0o777, radix: 8)
            let usable = access(socketPath, R_OK | W_OK) == 0
            report(isSocket && usable,
                "Docker socket \(socketPath) (mode \(mode), uid \(info.st_uid), gid \(info.st_gid)) is \(usable ? "usable" : "not writable") by uid \(geteuid())",
                fix: isSocket ? "run as root or join the socket's group: `sudo usermod -aG docker $USER`, then log in again" : "\(socketPath) is not a socket; check DOCKER_HOST")
        }

        var docker: DockerClient?
        do {
            let client = try await DockerClient.connect(socketPath: socketPath)
            docker = client
            report(true, "Docker daemon \(client.daemonVersion.Version) answers, API \(client.daemonVersion.ApiVersion) (using \(client.apiVersion))")
        } catch {
            report(false, "Docker daemon: \(error)")
        }

        if let docker {
            do {
                let inspect = try await docker.inspectImage(image)
                report(true, "image \(image) present (\(inspect.Id.prefix(19)), created \(inspect.Created ?? "?"))")
            } catch {
                report(false, "image \(image) is missing", fix: "`make image` in the repository (or `pylambda image build`)")
            }
            if let info = try? await docker.info() {
                let enforced = [
                    ("memory", info.MemoryLimit), ("memory+swap", info.SwapLimit), ("pids", info.PidsLimit),
                    ("CPU quota", info.CpuCfsQuota),
                ]
                let missing = enforced.filter { $0.1 == false }.map(\.0)
                report(missing.isEmpty,
                    "cgroup v\(info.CgroupVersion ?? "?") enforces \(missing.isEmpty ? "every limit" : "not: " + missing.joined(separator: ", "))",
                    fix: "enable the missing cgroup controllers (for swap: boot with swapaccount=1); until then those limits are not applied",
                    required: false)
                let seccomp = info.SecurityOptions?.contains { $0.contains("seccomp") } ?? false
                report(seccomp, "seccomp \(seccomp ? "available (Docker's default profile applies)" : "not available")",
                    fix: "use a kernel and dockerd built with seccomp", required: false)
            }
            if let containers = try? await docker.listContainers(labels: ["\(ContainerLabel.managed)=true"]) {
                let running = containers.filter { $0.State == "running" }.count
                report(true, "\(containers.count) managed containers (\(running) running); `pylambda ps` lists them, `pylambda gc` removes them")
            }
            try? await docker.shutdown()
        }

        let stateDirectory = DispatcherConfiguration.defaultStateDirectory
        let parent = stateDirectory.split(separator: "/").dropLast().joined(separator: "/")
        let writable = access(stateDirectory, W_OK) == 0 || access("/" + parent, W_OK) == 0
        report(writable, "state directory \(stateDirectory) (runner sockets, bind-mounted into containers) is \(writable ? "writable" : "not writable")",
            fix: "run as a user that can write \(stateDirectory)")

        let runner = RunnerExecutable.find()
        report(runner != nil, "swift-runner for --backend process: \(runner ?? "not found")",
            fix: "`swift build --product swift-runner` (only needed without Docker)", required: false)

        if failures > 0 {
            print("\(failures) problem\(failures == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        print("all good: try `pylambda run examples/fibonacci.py --data '{\"n\": 10}'`")
    }
}
