import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// The container body, the identity of owners, and error messages: no daemon needed.
@Suite struct ContainerSpecTests {
    func spec(_ configuration: FunctionConfiguration = FunctionConfiguration()) -> ContainerSpec {
        ContainerSpec(
            name: "pylambda-x", image: "img", configuration: configuration, codeHash: "abc", owner: "h/1/2/n",
            lifetime: .owned, hostSocketDirectory: "/run/x/socket", runnerIdleTTLSeconds: 300)
    }

    @Test func theSpecIsHardenedByDefault() {
        let request = spec().createRequest
        let host = request.hostConfiguration
        #expect(host.networkMode == "none" && request.networkDisabled == true)
        #expect(host.readonlyRootFilesystem == true)
        #expect(host.capabilitiesDropped == ["ALL"])
        #expect(host.memoryBytes == host.memorySwapBytes)
        #expect(host.binds == ["/run/x/socket:/run/pylambda:rw"])
        #expect(host.autoRemove == true, "an exited runner leaves nothing in `docker ps -a`")
        #expect(host.runsInit == true)
        #expect(host.tmpfs?["/tmp"]?.hasPrefix("rw,noexec,nosuid,nodev,") == true)
        #expect(host.logConfiguration == .init(type: "json-file", options: ["max-size": "10485760", "max-file": "2"]))
        #expect(host.runtime == nil, "runc is Docker's default")
        #expect(request.user == "65534:65534")
        #expect(request.environment?.contains("RUNNER_IDLE_TTL=300") == true)
        #expect(request.labels?["pylambda.code-hash"] == "abc")
        var gvisor = FunctionConfiguration()
        gvisor.runtime = .gvisor
        #expect(spec(gvisor).createRequest.hostConfiguration.runtime == "runsc")
    }

    @Test func theProfileSeparatesContainersThatDifferAndIgnoresTheTimeout() {
        var open = FunctionConfiguration()
        open.allowNetwork = true
        #expect(ContainerProfile(open) != ContainerProfile(FunctionConfiguration()))
        var gvisor = FunctionConfiguration()
        gvisor.runtime = .gvisor
        #expect(ContainerProfile(gvisor) != ContainerProfile(FunctionConfiguration()))
        var slower = FunctionConfiguration()
        slower.timeout = .seconds(5)
        #expect(ContainerProfile(slower) == ContainerProfile(FunctionConfiguration()), "the timeout travels per call")
        let code = "def entrypoint(d): return d"
        #expect(FunctionDefinition(source: code).key == FunctionDefinition(source: code).key)
        #expect(FunctionDefinition(source: code).key != FunctionDefinition(source: code, environment: ["A": "1"]).key)
        #expect(FunctionDefinition(source: code).key != FunctionDefinition(source: code, handler: "other").key)
        // Fields are length-prefixed: no handler can pass itself off as handler + environment.
        let smuggled = FunctionDefinition(source: code, handler: "x\nenv=1:A=1:B")
        let honest = FunctionDefinition(source: code, handler: "x", environment: ["A": "B"])
        #expect(smuggled.key != honest.key)
        let first = FunctionDefinition(source: code, identity: FunctionIdentity(name: "a:b", version: "c"))
        let second = FunctionDefinition(source: code, identity: FunctionIdentity(name: "a", version: "b:c"))
        #expect(first.key != second.key)
    }

    @Test func everyFieldOfTheBodyExistsInTheOldestAPIWeSpeak() throws {
        // When each field the body uses entered the Engine API: all at or before the oldest version
        // PyLambda negotiates, so the same body is valid for every version it speaks.
        let introduced: [String: DockerAPIVersion] = [
            "Image": .init(1, 12), "Cmd": .init(1, 12), "Env": .init(1, 12), "Labels": .init(1, 12), "User": .init(1, 12),
            "NetworkDisabled": .init(1, 12), "HostConfig": .init(1, 12), "NetworkMode": .init(1, 12),
            "ReadonlyRootfs": .init(1, 17), "Tmpfs": .init(1, 22), "CapDrop": .init(1, 12), "SecurityOpt": .init(1, 15),
            "Memory": .init(1, 12), "MemorySwap": .init(1, 12), "NanoCpus": .init(1, 25), "PidsLimit": .init(1, 23),
            "Ulimits": .init(1, 15), "Binds": .init(1, 12), "AutoRemove": .init(1, 25), "Init": .init(1, 25),
            "LogConfig": .init(1, 15), "Runtime": .init(1, 25), "Name": .init(1, 15), "Soft": .init(1, 15),
            "Hard": .init(1, 15), "Type": .init(1, 15), "Config": .init(1, 15),
        ]
        var gvisor = FunctionConfiguration()
        gvisor.runtime = .gvisor
        gvisor.maxBodyBytes = 1024
        let body = try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec(gvisor).createRequest))
        var keys: Set<String> = []
        func collect(_ value: Any, underConfig: Bool) {
            if let object = value as? [String: Any] {
                for (key, child) in object {
                    // Labels, Tmpfs and log options are maps whose keys are data, not API fields.
                    if !underConfig { keys.insert(key) }
                    collect(child, underConfig: ["Labels", "Tmpfs", "Config"].contains(key))
                }
            } else if let array = value as? [Any] {
                for child in array { collect(child, underConfig: false) }
            }
        }
        collect(body, underConfig: false)
        for key in keys {
            let since = try #require(introduced[key], "\(key) is sent but its API version is not known here")
            #expect(since <= DockerAPIVersion.oldestSupported, "\(key) needs API \(since)")
        }
    }

    @Test func ownerIdentitiesRoundTripAndTellALivingProcess() throws {
        let me = DispatcherIdentity.current()
        let parsed = try #require(DispatcherIdentity(label: me.description))
        #expect(parsed == me)
        #expect(me.isAlive)
        var dead = me
        dead.startTicks += 1
        #expect(!dead.isAlive, "same pid, other start time: a reused pid")
        var elsewhere = dead
        elsewhere.host = "some-other-host"
        #expect(elsewhere.isAlive, "owners on other hosts cannot be checked and are left alone")

        // A killed owner its parent has not reaped yet (a zombie) is gone.
        var child: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { arguments.forEach { free($0) } }
        #expect(posix_spawn(&child, "/bin/true", nil, nil, arguments, environ) == 0)
        let ticks = try #require(DispatcherIdentity.processStartTicks(child))
        let zombie = DispatcherIdentity(host: me.host, pid: child, startTicks: ticks, nonce: "zombie")
        var waited = 0
        while DispatcherIdentity.processStateAndStartTicks(child)?.state != "Z" && waited < 200 {
            usleep(10_000)
            waited += 1
        }
        #expect(!zombie.isAlive, "a zombie owner is gone")
        var status: Int32 = 0
        _ = waitpid(child, &status, 0)
    }

    @Test func errorMessagesTellWhatToDo() {
        #expect(DispatcherError.timedOut(seconds: 2).description.contains("timed out after 2 s"))
        #expect(DispatcherError.queueTimedOut(seconds: 2).description.contains("concurrency"))
        #expect(DispatcherError.outOfMemory(limitBytes: 256 << 20).description.contains("256 MiB"))
        #expect(DispatcherError.runnerDied(exitCode: 139, logTail: "").description.contains("signal 11"))
        #expect(DockerError.imageMissing(image: "x").description.contains("make image"))
        #expect(DockerError.permissionDenied(socketPath: "/s").description.contains("docker"))
        #expect(DispatcherError.tooManyConcurrentInvocations(limit: 4, queued: 64).description.contains("too many concurrent invocations"))
        #expect(DispatcherError.notRunning.description.contains("run()"))
    }
}
