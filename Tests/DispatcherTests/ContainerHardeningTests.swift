import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// Containers are locked down by default; each setting is read back with inspect and checked from inside.
extension DockerTests {
    @Test func containersAreHardenedByDefault() async throws {
        try await withDispatcher { dispatcher, docker in
            let code = """
                import os, socket
                def entrypoint(data):
                    status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
                    try:
                        open("/rootfs-write-test", "w")
                        root_writable = True
                    except OSError:
                        root_writable = False
                    with open("/tmp/ok", "w") as f:
                        f.write("tmp is writable")
                    try:
                        socket.create_connection(("1.1.1.1", 53), timeout=1)
                        network = True
                    except OSError:
                        network = False
                    return {
                        "uid": os.getuid(), "gid": os.getgid(),
                        "interfaces": sorted(os.listdir("/sys/class/net")),
                        "root_writable": root_writable, "network": network,
                        "seccomp": status["Seccomp"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
                        "cap_eff": status["CapEff"].strip(),
                    }
                """
            struct Inside: Decodable {
                var uid: Int, gid: Int, interfaces: [String], root_writable: Bool, network: Bool
                var seccomp: String, no_new_privs: String, cap_eff: String
            }
            let inside = try await dispatcher.invoke(code: code, input: [String: Int](), as: Inside.self)
            #expect(inside.uid == 65534 && inside.gid == 65534)
            #expect(inside.interfaces == ["lo"])
            #expect(!inside.network)
            #expect(!inside.root_writable)
            #expect(inside.seccomp == "2", "Docker's default seccomp profile is a filter (mode 2)")
            #expect(inside.no_new_privs == "1")
            #expect(inside.cap_eff == "0000000000000000")

            let id = try #require(dispatcher.runners().first?.id)
            let inspect = try await docker.inspectContainer(id)
            let host = inspect.hostConfiguration
            #expect(host.networkMode == "none")
            #expect(host.readonlyRootFilesystem == true)
            #expect(host.capabilitiesDropped == ["ALL"])
            #expect(host.securityOptions?.contains("no-new-privileges:true") == true)
            #expect(host.securityOptions?.contains { $0.hasPrefix("seccomp") } != true, "no custom (or unconfined) seccomp")
            #expect(host.memoryBytes == 256 << 20 && host.memorySwapBytes == 256 << 20)
            #expect(host.nanoCPUs == 1_000_000_000)
            #expect(host.pidsLimit == 256)
            #expect(host.ulimits == [.init(name: "nofile", soft: 1024, hard: 1024)])
            #expect(host.tmpfs?["/tmp"]?.contains("size=") == true)
            #expect(inspect.configuration.user == "65534:65534")
            let labels = inspect.configuration.labels ?? [:]
            #expect(labels[ContainerLabel.managed] == "true")
            #expect(labels[ContainerLabel.codeHash] == Functions.sha256(code))
            #expect(labels[ContainerLabel.owner] == dispatcher.identity.description)
        }
    }

    @Test func anInitReapsOrphansTmpIsNoexecAndLogsAreRotated() async throws {
        try await withDispatcher { dispatcher, docker in
            var configuration = dispatcher.configuration.function
            configuration.logFileBytes = 64 << 10
            configuration.logFiles = 2
            let code = """
                import os, subprocess, sys, time
                def zombies():
                    count = 0
                    for pid in os.listdir("/proc"):
                        if pid.isdigit():
                            try:
                                if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
                                    count += 1
                            except OSError:
                                pass
                    return count
                def entrypoint(data):
                    # A child that leaves a grandchild behind: the orphan is re-parented to PID 1.
                    subprocess.run(["/usr/bin/python3.11", "-c", "import os, time\\nif os.fork() == 0:\\n    time.sleep(0.2)\\n    os._exit(0)"], check=True)
                    time.sleep(1.0)
                    with open("/tmp/script.sh", "w") as script:
                        script.write("#!/bin/sh\\necho ran\\n")
                    os.chmod("/tmp/script.sh", 0o755)
                    try:
                        subprocess.run(["/tmp/script.sh"], check=True, capture_output=True)
                        executed = True
                    except PermissionError:
                        executed = False
                    # Around the runner's output cap, straight to the file descriptor.
                    for _ in range(64):
                        os.write(1, b"x" * 16383 + b"\\n")
                    init = open("/proc/1/cmdline", "rb").read().split(b"\\0")[0].decode()
                    return {"pid1": init, "zombies": zombies(), "tmp_executed": executed, "my_pid": os.getpid()}
                """
            struct Inside: Decodable {
                var pid1: String, zombies: Int, tmp_executed: Bool, my_pid: Int
            }
            let function = FunctionDefinition(source: code, configuration: configuration)
            let result = try await dispatcher.invoke(function, payload: Array("{}".utf8))
            let inside = try JSONDecoder().decode(Inside.self, from: Data(result.json))
            #expect(inside.pid1.hasSuffix("init"), "PID 1 is Docker's init, not the runner: \(inside.pid1)")
            #expect(inside.my_pid != 1)
            #expect(inside.zombies == 0, "the orphaned grandchild was reaped")
            #expect(!inside.tmp_executed, "/tmp is noexec")

            let id = try #require(dispatcher.runners().first { $0.codeHash == function.codeHash }?.id)
            let inspect = try await docker.inspectContainer(id)
            #expect(inspect.hostConfiguration.runsInit == true)
            #expect(inspect.hostConfiguration.tmpfs?["/tmp"]?.split(separator: ",").contains("noexec") == true)
            let log = inspect.hostConfiguration.logConfiguration
            #expect(log?.type == "json-file")
            #expect(log?.options?["max-size"] == String(64 << 10) && log?.options?["max-file"] == "2")
            // About 1 MiB went to stdout; the daemon's log of it stays within the rotation's bound.
            let logPath = try #require(inspect.logPath)
            var size: Int64 = 0
            for suffix in ["", ".1", ".2"] {
                var info = stat()
                if stat(logPath + suffix, &info) == 0 { size += Int64(info.st_size) }
            }
            #expect(size > 0 && size <= 3 * (64 << 10), "\(size) bytes of logs kept")
        }
    }
}
