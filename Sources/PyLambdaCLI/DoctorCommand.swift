import ArgumentParser
import Dispatcher
import DockerEngine

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
    var image = DispatcherConfiguration.defaultImage

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
            let daemon = client.daemonVersion
            report(true, "Docker engine \(daemon.version) answers: API \(daemon.minimumAPIVersion ?? "?") to \(daemon.apiVersion); negotiated \(client.apiVersion) (pylambda speaks \(DockerAPIVersion.oldestSupported) to \(DockerAPIVersion.newestSupported))")
        } catch {
            report(false, "Docker daemon: \(error)")
        }

        if let docker {
            do {
                let inspect = try await docker.inspectImage(image)
                report(true, "image \(image) present (\(inspect.id.prefix(19)), created \(inspect.created ?? "?"))")
            } catch {
                report(false, "image \(image) is missing", fix: "`make image` in the repository (or `pylambda image build`)")
            }
            if let info = try? await docker.info() {
                let enforced = [
                    ("memory", info.memoryLimit), ("memory+swap", info.swapLimit), ("pids", info.pidsLimit),
                    ("CPU quota", info.cpuCfsQuota),
                ]
                let missing = enforced.filter { $0.1 == false }.map(\.0)
                report(missing.isEmpty,
                    "cgroup v\(info.cgroupVersion ?? "?") enforces \(missing.isEmpty ? "every limit" : "not: " + missing.joined(separator: ", "))",
                    fix: "enable the missing cgroup controllers (for swap: boot with swapaccount=1); until then those limits are not applied",
                    required: false)
                let seccomp = info.securityOptions?.contains { $0.contains("seccomp") } ?? false
                report(seccomp, "seccomp \(seccomp ? "available (Docker's default profile applies)" : "not available")",
                    fix: "use a kernel and dockerd built with seccomp", required: false)
                let runtimes = (info.runtimes ?? [:]).keys.sorted()
                report(true, "runtimes: \(runtimes.joined(separator: ", ")) (default \(info.defaultRuntime ?? "runc"))")
                await checkGVisor(docker, info: info, report: report)
            }
            if let runners = try? ManagedRunners(docker: docker), let list = try? await runners.list() {
                let running = list.filter { $0.state == "running" }.count
                report(true, "\(list.count) runners recorded in \(DispatcherConfiguration.defaultStateDirectory) (\(running) running); `pylambda ps` lists them, `pylambda gc` removes them")
            }
            await docker.shutdown()
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

    /// `--runtime runsc` needs gVisor registered with the socket flags PyLambda relies on, and it must
    /// actually start a container: runs the runner image's `--help` under it.
    private func checkGVisor(
        _ docker: DockerClient, info: DockerInfo, report: (Bool, String, String?, Bool) -> Void
    ) async {
        let fix = "`make deps` installs runsc and registers it in /etc/docker/daemon.json with \"runtimeArgs\": [\"--network=none\", \"--host-uds=create\"]"
        guard let runsc = info.runtimes?["runsc"] else {
            report(false, "gVisor (runsc) is not registered with dockerd: `--runtime runsc` is unavailable", fix, false)
            return
        }
        let arguments = runsc.runtimeArguments ?? []
        guard arguments.contains("--host-uds=create") else {
            report(false, "gVisor (runsc) is registered without --host-uds=create: the host cannot reach runners' sockets", fix, false)
            return
        }
        var request = ContainerCreateRequest(image: image)
        request.command = ["--help"]
        request.networkDisabled = true
        request.hostConfiguration.networkMode = "none"
        request.hostConfiguration.runtime = "runsc"
        request.labels = ["pylambda.doctor": "true"]
        let name = "pylambda-doctor-runsc-\(UInt32.random(in: 0...UInt32.max))"
        let id: String
        do {
            id = try await docker.createContainer(name: name, request)
        } catch {
            report(false, "gVisor (runsc) check could not create a container: \(error)", nil, false)
            return
        }
        var outcome: Result<Int, DockerError>
        do {
            try await docker.startContainer(id)
            outcome = .success(try await docker.waitContainer(id, timeout: .seconds(30)))
        } catch {
            outcome = .failure(error)
        }
        try? await docker.removeContainer(id)
        switch outcome {
        case .success(0):
            report(true, "gVisor (runsc at \(runsc.path ?? "?")) starts containers: `--runtime runsc` is usable", nil, false)
        case .success(let code):
            report(false, "gVisor (runsc) started the runner image but it exited \(code)", fix, false)
        case .failure(let error):
            report(false, "gVisor (runsc) is registered but could not start a container: \(error)", fix, false)
        }
    }
}
