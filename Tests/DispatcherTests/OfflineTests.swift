import Foundation
import Testing

@testable import Dispatcher

/// Pure logic: no daemon needed.
@Suite struct OfflineTests {
    @Test func hardenedSpecByDefault() {
        let spec = ContainerSpec(
            image: "img", function: FunctionConfiguration(), codeHash: "abc", owner: "h/1/2/n", shared: false,
            hostSocketDirectory: "/run/x", runnerIdleTTLSeconds: 300)
        let request = spec.createRequest
        #expect(request.HostConfig.NetworkMode == "none")
        #expect(request.HostConfig.ReadonlyRootfs == true)
        #expect(request.HostConfig.CapDrop == ["ALL"])
        #expect(request.HostConfig.Memory == request.HostConfig.MemorySwap)
        #expect(request.HostConfig.Binds == ["/run/x:/run/pylambda:rw"])
        #expect(request.User == "65534:65534")
        #expect(request.Env?.contains("RUNNER_IDLE_TTL=300") == true)
        #expect(request.Labels?["pylambda.code-hash"] == "abc")
        #expect(request.HostConfig.AutoRemove == true, "an exited runner leaves nothing in `docker ps -a`")
        var open = FunctionConfiguration()
        open.allowNetwork = true
        #expect(open.containerKey != FunctionConfiguration().containerKey)
        var slower = FunctionConfiguration()
        slower.timeout = .seconds(5)
        #expect(slower.containerKey == FunctionConfiguration().containerKey, "the timeout travels per call")
    }

    @Test func ownerLabelsRoundTripAndDetectTheLivingProcess() throws {
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
    }

    @Test func dockerignorePatterns() {
        let patterns = BuildContext.ignorePatterns(".build\n.git\n*.o\n# comment\ndocs/**/*.md\n!docs/keep.md\n")
        #expect(BuildContext.isExcluded(".build", patterns))
        #expect(BuildContext.isExcluded(".build/debug/x", patterns))
        #expect(BuildContext.isExcluded("a.o", patterns))
        #expect(!BuildContext.isExcluded("Sources/a.swift", patterns))
        #expect(BuildContext.isExcluded("docs/a/b.md", patterns))
        #expect(!BuildContext.isExcluded("docs/keep.md", patterns))
    }

    @Test func tarHeadersAreValid() {
        var tar = TarWriter()
        tar.append(path: "hello.txt", type: "0", mode: 0o644, contents: Array("hi".utf8))
        tar.append(path: String(repeating: "d/", count: 60) + "f", type: "0", mode: 0o755, contents: [1])
        tar.finish()
        let bytes = tar.bytes
        #expect(bytes.count % 512 == 0)
        #expect(Array(bytes[257..<262]) == Array("ustar".utf8))
        let stored = Int(String(decoding: bytes[148..<154], as: UTF8.self), radix: 8)
        var header = Array(bytes[0..<512])
        for index in 148..<156 { header[index] = UInt8(ascii: " ") }
        #expect(stored == header.reduce(0) { $0 + Int($1) })
        #expect(bytes[1024 + 156] == UInt8(ascii: "L"), "long names use a GNU long-name entry")
    }

    @Test func versionsAndURLs() {
        #expect(DockerClient.compareVersions("1.41", "1.9") > 0)
        #expect(DockerClient.compareVersions("1.41", "1.41") == 0)
        #expect(UnixSocketURL.make(socketPath: "/var/run/docker.sock", path: "/v1.41/version")
            == "http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.41/version")
        #expect(DockerClient.demultiplex([1, 0, 0, 0, 0, 0, 0, 3] + Array("abc".utf8) + [2, 0, 0, 0, 0, 0, 0, 1] + [10]) == "abc\n")
    }

    @Test func errorMessagesTellWhatToDo() {
        #expect(DispatcherError.timedOut(seconds: 2).description.contains("timed out after 2 s"))
        #expect(DispatcherError.outOfMemory(limitBytes: 256 << 20).description.contains("256 MiB"))
        #expect(DispatcherError.runnerDied(exitCode: 139, logTail: "").description.contains("signal 11"))
        #expect(DockerError.imageMissing(image: "x").description.contains("pylambda image build"))
        #expect(DockerError.permissionDenied(socketPath: "/s").description.contains("docker"))
        #expect(DispatcherError.tooManyConcurrentInvocations(limit: 4, queued: 64).description.contains("too many concurrent invocations"))
    }

    @Test func eventsOfRemovedContainersDecode() throws {
        let line = #"{"status":"die","id":"abc","from":"img","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"139","image":"img"}},"scope":"local","time":1764217633,"timeNano":1764217633123456789}"#
        let event = try JSONDecoder().decode(DockerEvent.self, from: Data(line.utf8))
        #expect(event.action == "die" && event.type == "container" && event.actor.ID == "abc")
        #expect(event.exitCode == 139)
        let oom = try JSONDecoder().decode(
            DockerEvent.self, from: Data(#"{"Type":"container","Action":"oom","Actor":{"ID":"abc"}}"#.utf8))
        #expect(oom.action == "oom" && oom.exitCode == nil)
    }

    @Test func staleSocketDirectoriesAreRemovedOnlyWhenNothingUsesThem() throws {
        let state = "/tmp/pylambda-stale-test-\(getpid())"
        #expect(SmallFile.makeDirectory(state, mode: 0o700))
        defer {
            for name in SmallFile.entries(state) { SmallFile.removeDirectory(state + "/" + name) }
            SmallFile.removeDirectory(state)
        }
        func make(_ name: String, age: TimeInterval) -> String {
            let directory = state + "/" + name
            _ = SmallFile.makeDirectory(directory, mode: 0o777)
            _ = SmallFile.write(RunnerLock.path(in: directory), "")
            try? FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: RunnerLock.path(in: directory))
            return directory
        }
        let gone = make("pylambda-gone", age: 30)
        let running = make("pylambda-running", age: 30)
        let held = make("pylambda-held", age: 30)
        let lock = try #require(RunnerLock(directory: held))
        let fresh = make("pylambda-fresh", age: 0)
        let other = make("not-a-runner", age: 30)
        let removed = Dispatcher.removeStaleSocketDirectories(in: state, keeping: [running])
        #expect(removed == [gone])
        #expect(!SmallFile.isDirectory(gone))
        for kept in [running, held, fresh, other] { #expect(SmallFile.isDirectory(kept), "\(kept)") }
        withExtendedLifetime(lock) {}
    }
}
