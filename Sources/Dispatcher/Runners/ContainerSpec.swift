import DockerEngine
import RunnerProtocol

/// One runner's container: turns a `FunctionConfiguration` into the hardened `docker create` body.
struct ContainerSpec: Sendable {
    var name: String
    var image: String
    var configuration: FunctionConfiguration
    /// The code's hash (`FunctionDefinition.codeHash`) for a function's own runner; nil for a generic warm-pool runner.
    var codeHash: String?
    var owner: String
    var lifetime: RunnerLifetime
    var hostSocketDirectory: String
    /// The runner's task directory (packages are linked into it), mounted read-only.
    var hostTaskDirectory: String?
    /// The dependency store, mounted read-only, when the dispatcher has one.
    var hostDependencyDirectory: String?
    var runnerIdleTTLSeconds: Int
    var timeoutGraceSeconds: Int = 2

    var labels: [String: String] {
        [
            ContainerLabel.managed: "true",
            ContainerLabel.owner: owner,
            ContainerLabel.lifetime: lifetime.rawValue,
            ContainerLabel.profile: ContainerProfile(configuration).key,
            ContainerLabel.idleTTL: String(runnerIdleTTLSeconds),
            ContainerLabel.codeHash: codeHash ?? "",
        ]
    }

    /// The runner's environment: its deadlines and idle TTL.
    var environment: [String] {
        var environment = [
            "\(RunnerEnvironment.timeout)=\(Int(configuration.timeoutSeconds.rounded(.up)))",
            "\(RunnerEnvironment.timeoutGrace)=\(timeoutGraceSeconds)",
            "\(RunnerEnvironment.idleTTL)=\(runnerIdleTTLSeconds)",
        ]
        if let maxBody = configuration.maxBodyBytes {
            environment.append("\(RunnerEnvironment.maxBodyBytes)=\(maxBody)")
        }
        return environment
    }

    var createRequest: ContainerCreateRequest {
        let function = configuration
        var host = HostConfiguration()
        host.networkMode = function.allowNetwork ? "bridge" : "none"
        host.readonlyRootFilesystem = function.readOnlyRootFilesystem
        // noexec: nothing the function writes can be run as a program.
        host.tmpfs = ["/tmp": "rw,noexec,nosuid,nodev,size=\(function.tmpfsBytes),mode=1777"]
        host.capabilitiesDropped = ["ALL"]
        // Docker's default seccomp profile applies unless a `seccomp=` option says otherwise, so none is given.
        host.securityOptions = ["no-new-privileges:true"]
        host.memoryBytes = function.memoryBytes
        host.memorySwapBytes = function.memoryBytes
        host.nanoCPUs = Int64(function.cpus * 1e9)
        host.pidsLimit = function.pidsLimit
        host.ulimits = [.init(name: "nofile", soft: function.openFilesLimit, hard: function.openFilesLimit)]
        host.binds = ["\(hostSocketDirectory):\(RunnerMount.containerDirectory):rw"]
        if let hostTaskDirectory { host.binds?.append("\(hostTaskDirectory):\(RunnerMount.taskDirectory):ro") }
        if let hostDependencyDirectory { host.binds?.append("\(hostDependencyDirectory):\(RunnerMount.dependencyDirectory):ro") }
        // Gone as soon as it exits (its own idle TTL, a crash): nothing is left for `docker ps -a`
        // even when no dispatcher is around. How it ended is read from the daemon's events.
        host.autoRemove = true
        // An init as PID 1 reaps the orphaned grandchildren user code leaves, which would otherwise use
        // up the pids limit as zombies (the runner is not an init).
        host.runsInit = true
        // Output written around the runner's per-invocation cap (os.write(1, ...)) stays bounded.
        host.logConfiguration = .init(
            type: "json-file",
            options: ["max-size": String(function.logFileBytes), "max-file": String(function.logFiles)])
        host.runtime = function.runtime.dockerName
        var request = ContainerCreateRequest(image: image, hostConfiguration: host)
        request.command = ["--unix-socket", RunnerMount.containerSocket]
        request.environment = environment
        request.labels = labels
        request.user = function.user
        request.networkDisabled = function.allowNetwork ? nil : true
        return request
    }
}
