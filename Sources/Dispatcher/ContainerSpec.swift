import RunnerProtocol

/// The labels by which containers are found again: by a later `pylambda` process (reuse), by
/// `pylambda ps`/`gc`, and by the next dispatcher (orphan removal).
public enum ContainerLabel {
    public static let managed = "pylambda.managed"
    public static let codeHash = "pylambda.code-hash"
    public static let owner = "pylambda.owner"
    /// `owned`: removed when the owner shuts down or is found dead. `shared`: left warm for the next
    /// process, removed by its own idle TTL.
    public static let lifetime = "pylambda.lifetime"
    /// Host directory holding the runner's socket, so any process can reach the runner.
    public static let socketDirectory = "pylambda.socket-dir"
    /// `FunctionConfiguration.containerKey`, so that calls with other limits get other containers.
    public static let configuration = "pylambda.config"
    /// Seconds of idleness after which the runner exits by itself.
    public static let idleTTL = "pylambda.idle-ttl"
}

/// Where the runner's socket lives inside the container; the dispatcher bind-mounts a host directory
/// here because the container has no network to reach it through.
enum RunnerMount {
    static let containerDirectory = "/run/pylambda"
    static let socketName = "runner.sock"
    static var containerSocket: String { "\(containerDirectory)/\(socketName)" }
}

/// Turns a `FunctionConfiguration` into the hardened `docker create` body.
struct ContainerSpec: Sendable {
    var image: String
    var function: FunctionConfiguration
    /// SHA-256 of the source, or nil for a generic warm-pool runner that gets its code later.
    var codeHash: String?
    var owner: String
    var shared: Bool
    var hostSocketDirectory: String
    var runnerIdleTTLSeconds: Int
    var timeoutGraceSeconds: Int = 2

    var labels: [String: String] {
        var labels = [
            ContainerLabel.managed: "true",
            ContainerLabel.owner: owner,
            ContainerLabel.lifetime: shared ? "shared" : "owned",
            ContainerLabel.socketDirectory: hostSocketDirectory,
            ContainerLabel.configuration: function.containerKey,
            ContainerLabel.idleTTL: String(runnerIdleTTLSeconds),
        ]
        labels[ContainerLabel.codeHash] = codeHash ?? ""
        return labels
    }

    var createRequest: ContainerCreateRequest {
        var host = ContainerCreateRequest.HostConfig()
        host.NetworkMode = function.allowNetwork ? "bridge" : "none"
        host.ReadonlyRootfs = function.readOnlyRootFilesystem
        host.Tmpfs = ["/tmp": "rw,nosuid,nodev,size=\(function.tmpfsBytes),mode=1777"]
        host.CapDrop = ["ALL"]
        // Docker's default seccomp profile applies unless a `seccomp=` option says otherwise, so none is given.
        host.SecurityOpt = ["no-new-privileges:true"]
        host.Memory = function.memoryBytes
        host.MemorySwap = function.memoryBytes
        host.NanoCpus = Int64(function.cpus * 1e9)
        host.PidsLimit = function.pidsLimit
        host.Ulimits = [.init(Name: "nofile", Soft: function.openFilesLimit, Hard: function.openFilesLimit)]
        host.Binds = ["\(hostSocketDirectory):\(RunnerMount.containerDirectory):rw"]
        // Gone as soon as it exits (its own idle TTL, a crash): nothing is left for `docker ps -a`
        // even when no dispatcher is around. How it ended is read from the daemon's events.
        host.AutoRemove = true
        var environment = [
            "\(RunnerEnvironment.timeout)=\(Int(function.timeoutSeconds.rounded(.up)))",
            "\(RunnerEnvironment.timeoutGrace)=\(timeoutGraceSeconds)",
            "\(RunnerEnvironment.idleTTL)=\(runnerIdleTTLSeconds)",
        ]
        if let maxBody = function.maxBodyBytes {
            environment.append("\(RunnerEnvironment.maxBodyBytes)=\(maxBody)")
        }
        return ContainerCreateRequest(
            Image: image,
            Cmd: ["--unix-socket", RunnerMount.containerSocket],
            Env: environment,
            Labels: labels,
            User: function.user,
            WorkingDir: nil,
            NetworkDisabled: function.allowNetwork ? nil : true,
            HostConfig: host)
    }
}
