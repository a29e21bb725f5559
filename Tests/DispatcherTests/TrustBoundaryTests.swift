import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// A function is hostile. The one place it shares with the host is its runner's socket directory; these
/// tests plant what it could and check that the host follows nothing and believes nothing.
extension DockerTests {
    /// What the attack code below tries, and what became of each attempt ("done" or the error).
    struct Attempts: Decodable, Equatable {
        var attempts: [String: String]
        var listing: [String]
    }

    static let attack = """
        import json, os
        D = "/run/pylambda"
        def attack(fake_hash):
            attempts = {
                "unlink the socket": lambda: os.unlink(D + "/runner.sock"),
                "rename the socket": lambda: os.rename(D + "/runner.sock", D + "/moved"),
                "plant a symlink": lambda: os.symlink("/etc/passwd", D + "/lock"),
                "plant a FIFO": lambda: os.mkfifo(D + "/code-sha256"),
                "write a fake hash": lambda: open(D + "/code-sha256", "w").write(fake_hash),
                "make a directory": lambda: os.mkdir(D + "/x"),
                "chmod the directory": lambda: os.chmod(D, 0o777),
            }
            done = {}
            for name, attempt in attempts.items():
                try:
                    attempt()
                    done[name] = "done"
                except OSError as error:
                    done[name] = type(error).__name__
            return {"attempts": done, "listing": sorted(os.listdir(D))}
        AT_LOAD = attack("0" * 64)
        def entrypoint(data):
            if data == "load":
                return AT_LOAD
            return attack(data)
        """

    @Test func aHostileFunctionCannotChangeItsSocketDirectory() async throws {
        try await withDispatcher { dispatcher, _ in
            let function = FunctionDefinition(source: Self.attack)
            for input in ["\"load\"", "\"\(String(repeating: "f", count: 64))\""] {
                let result = try await dispatcher.invoke(function, payload: Array(input.utf8))
                let seen = try JSONDecoder().decode(Attempts.self, from: Data(result.json))
                #expect(seen.listing == ["runner.sock"], "\(input): \(seen)")
                for (attempt, outcome) in seen.attempts {
                    #expect(outcome == "PermissionError", "\(input): \(attempt) \(outcome)")
                }
            }
            // The runner it tried to disturb still answers.
            let again = try await dispatcher.invoke(function, payload: Array("\"load\"".utf8))
            #expect(!again.json.isEmpty)
        }
    }

    @Test func aSharedRunnerCannotClaimAnotherFunction() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        let tag = UInt32.random(in: 0...UInt32.max)
        let victim = FunctionDefinition(source: "# victim \(tag)\ndef entrypoint(data):\n    return 'victim'\n")
        let attacker = FunctionDefinition(source: "# attacker \(tag)\n" + Self.attack)
        let shared = TestEnvironment.configuration { $0.keepWarmAfterShutdown = true }
        // The attacker is left warm for other processes and tries to pass itself off as the victim.
        let planted = try await Dispatcher.withDispatcher(configuration: shared) {
            try await $0.invoke(attacker, payload: Array("\"\(victim.codeHash)\"".utf8))
        }
        let attempts = try JSONDecoder().decode(Attempts.self, from: Data(planted.json))
        #expect(attempts.attempts["write a fake hash"] == "PermissionError")
        // The next process calls the victim: it gets the victim, never the warm attacker.
        let answer = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) {
            try await $0.invoke(victim, json: "null")
        }
        #expect(answer == #""victim""#)
        try await TestEnvironment.removeRunners(docker, codeHash: attacker.codeHash)
        await docker.shutdown()
    }

    @Test func gcAndSweepsBesideAForeignContainerTouchNothingOutsideTheStateDirectory() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        // A directory the impostor's labels point at, with something in it.
        let canary = "/tmp/pylambda-canary-\(getpid())"
        try FileManager.default.createDirectory(atPath: canary, withIntermediateDirectories: true)
        try "keep me".write(toFile: canary + "/keep", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: canary) }
        // Any image can carry these labels; an owner that cannot be alive invites a sweep.
        var deadPid: Int32 = 4_000_000
        while kill(deadPid, 0) == 0 { deadPid -= 1 }
        let dead = DispatcherIdentity(host: DispatcherIdentity.hostName(), pid: deadPid, startTicks: 1, nonce: "dead")
        let code = "# impostor \(UInt32.random(in: 0...UInt32.max))\ndef entrypoint(data):\n    return 'real'\n"
        var request = ContainerCreateRequest(image: TestEnvironment.image)
        request.command = ["--port", "18999"]
        request.labels = [
            ContainerLabel.managed: "true", ContainerLabel.owner: dead.description, ContainerLabel.lifetime: "shared",
            ContainerLabel.codeHash: Functions.sha256(code), "pylambda.socket-dir": canary,
            "pylambda.test": "impostor",
        ]
        request.hostConfiguration.networkMode = "none"
        let impostor = try await docker.createContainer(name: "pylambda-impostor-\(getpid())", request)
        defer { Task { try? await docker.removeContainer(impostor) } }

        // A dispatcher's sweep, and a call of the function the impostor claims to serve.
        let answer = try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration { $0.keepWarmAfterShutdown = true }) {
            try await $0.invoke(code: code, json: "null")
        }
        #expect(answer == #""real""#)
        let gc = try TestEnvironment.runCLI(["gc"])
        #expect(gc.status == 0, "\(gc.errors)")
        #expect(FileManager.default.fileExists(atPath: canary + "/keep"), "a label decided what was removed")
        #expect((try? await docker.inspectContainer(impostor)) != nil, "gc removes only what is recorded here")
        let unlabelled = try TestEnvironment.runCLI(["gc", "--foreign", "--label", "pylambda.test=nobody", "--dry-run"])
        #expect(unlabelled.status == 0 && !unlabelled.output.contains("pylambda-impostor-"), "\(unlabelled.output)")
        let alone = try TestEnvironment.runCLI(["gc", "--label", "pylambda.test=impostor"])
        #expect(alone.status == 64 && alone.errors.contains("--label narrows --foreign"), "\(alone.errors)")
        // Narrowed to the impostor: other suites' runners (a serve's, say) are foreign here too.
        let foreign = try TestEnvironment.runCLI(["gc", "--foreign", "--label", "pylambda.test=impostor"])
        #expect(foreign.status == 0, "\(foreign.errors)")
        #expect(foreign.output.contains("removed foreign container"))
        #expect((try? await docker.inspectContainer(impostor)) == nil)
        #expect(FileManager.default.fileExists(atPath: canary + "/keep"))
        await docker.shutdown()
    }
}

/// The host's file operations inside the state directory, against what a container could plant if it
/// could write there: symlinks, FIFOs, directories where files belong. No daemon needed.
@Suite struct HostSideFileOperationTests {
    let root = "/tmp/pylambda-fs-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func withState(_ body: (StateDirectory, String) throws -> Void) throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let canary = root + "-canary"
        try "original".write(toFile: canary, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: canary) }
        let state = try StateDirectory.open(path: root)
        try body(state, canary)
        #expect(try String(contentsOfFile: canary, encoding: .utf8) == "original", "the canary outside was touched")
    }

    @Test func recordsAndLocksNeverFollowSymlinks() throws {
        try withState { state, canary in
            let (directory, lock) = try state.createRunnerDirectory(name: "pylambda-test-1")
            let path = directory.directory.path
            #expect(symlink(canary, path + "/record") == 0)
            #expect(directory.record == nil, "a symlinked record is not read")
            let record = RunnerRecord(
                name: "pylambda-test-1", containerID: "c", function: nil, codeHash: nil, profile: "p", lifetime: .owned,
                owner: "o", runnerIdleTTLSeconds: 5, created: 0, image: "i")
            try directory.write(record)
            #expect(directory.record == record, "the write replaced the link instead of following it")
            withExtendedLifetime(lock) {}
            #expect(unlink(path + "/lock") == 0)
            #expect(symlink(canary, path + "/lock") == 0)
            #expect(RunnerLock(in: directory.directory) == nil, "a symlinked lock is not opened")
            #expect(!RunnerLock.isFree(in: directory.directory))
        }
    }

    @Test func aRunnerLockIsExclusiveAndAskingDoesNotTakeIt() throws {
        try withState { state, _ in
            let (directory, lock) = try state.createRunnerDirectory(name: "pylambda-test-lock")
            #expect(RunnerLock(in: directory.directory) == nil, "held: a second dispatcher in this process cannot take it")
            #expect(!RunnerLock.isFree(in: directory.directory))
            lock.release()
            #expect(RunnerLock.isFree(in: directory.directory), "released before the last reference goes")
            #expect(RunnerLock.isFree(in: directory.directory), "asking took nothing")
            let next = try #require(RunnerLock(in: directory.directory), "the next one takes it")
            #expect(!RunnerLock.isFree(in: directory.directory))
            // A pylambda from before OFD locks probes with flock: it sees the runner as taken.
            let older = open(directory.directory.path + "/lock", O_RDONLY)
            defer { close(older) }
            #expect(flock(older, LOCK_EX | LOCK_NB) != 0)
            withExtendedLifetime((lock, next)) {}
        }
    }

    @Test func theDependencyStoreIsNeverReachedThroughALink() throws {
        try withState { _, canary in
            let target = root + "-elsewhere"
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: target) }
            let link = root + "/deps-link"
            #expect(symlink(target, link) == 0)
            for path in [link, link + "/", link + "//", root + "/../x", "relative/deps"] {
                #expect(throws: DispatcherError.self, "\(path)") { try Dispatcher.openDependencyStore(path) }
            }
            #expect(try Dispatcher.openDependencyStore(root + "/deps/") == root + "/deps")
            var info = stat()
            #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o755, "the link's target was not chmod-ed")
            _ = canary
        }
    }

    @Test func aDependencyStoreUnderADirectoryOthersCanWriteIsRefused() throws {
        let open = root + "-open-deps"
        defer { try? FileManager.default.removeItem(atPath: open) }
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        #expect(chmod(open, 0o777) == 0, "world-writable, not sticky")
        #expect(throws: DispatcherError.self) { try Dispatcher.openDependencyStore(open + "/deps") }
        #expect(access(open + "/deps", F_OK) != 0, "nothing was made under it")
        #expect(chmod(open, 0o1777) == 0, "sticky, like /tmp")
        #expect(try Dispatcher.openDependencyStore(open + "/deps") == open + "/deps")
    }

    @Test func aGroupMayWriteAnAncestorOnlyWhenItIsTheUsersOwnGroup() throws {
        let shared = root + "-group"
        defer { try? FileManager.default.removeItem(atPath: shared) }
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        #expect(chmod(shared, 0o775) == 0)
        #expect(chown(shared, geteuid(), getegid()) == 0)
        // This user's own group (a user private group, as Debian makes them): nobody else is in it.
        let ownGroupIsPrivate = getgrgid(getegid())?.pointee.gr_mem.pointee == nil
        if ownGroupIsPrivate {
            #expect(try Dispatcher.openDependencyStore(shared + "/deps") == shared + "/deps")
        }
        // Another group: its members could rename what is inside; unless it is sticky, like /tmp.
        if geteuid() == 0 {
            #expect(chown(shared, 0, 4242) == 0)
            #expect(throws: DispatcherError.self) { try Dispatcher.openDependencyStore(shared + "/deps-2") }
            #expect(chmod(shared, 0o1775) == 0)
            #expect(try Dispatcher.openDependencyStore(shared + "/deps-3") == shared + "/deps-3")
        }
    }

    @Test func aLinkAboveTheDependencyStoreIsFollowedOnlyToWhereNobodyElseCanWrite() throws {
        let open = root + "-open-target"
        let link = root + "-link-to-open"
        defer {
            try? FileManager.default.removeItem(atPath: link)
            try? FileManager.default.removeItem(atPath: open)
        }
        try FileManager.default.createDirectory(atPath: open + "/inner", withIntermediateDirectories: true)
        #expect(chmod(open, 0o777) == 0, "world-writable, not sticky: anyone can rename inner")
        #expect(chmod(open + "/inner", 0o755) == 0)
        #expect(symlink(open + "/inner", link) == 0)
        #expect(throws: DispatcherError.self) { try Dispatcher.openDependencyStore(link + "/deps") }
        #expect(chmod(open, 0o755) == 0)
        #expect(try Dispatcher.openDependencyStore(link + "/deps") == link + "/deps")
    }

    @Test func aFIFOWhereAFileBelongsNeitherBlocksNorIsRead() throws {
        try withState { state, _ in
            let (directory, lock) = try state.createRunnerDirectory(name: "pylambda-test-2")
            #expect(mkfifo(directory.directory.path + "/record", 0o600) == 0)
            let started = ContinuousClock.now
            #expect(directory.record == nil)
            #expect(ContinuousClock.now - started < .seconds(1), "reading a FIFO blocked")
            withExtendedLifetime(lock) {}
        }
    }

    @Test func aPlantedSymlinkInTheSocketDirectoryFailsTheSeal() throws {
        try withState { state, canary in
            let (directory, lock) = try state.createRunnerDirectory(name: "pylambda-test-3")
            #expect(symlink(canary, directory.socketPath) == 0)
            #expect(throws: StateDirectoryError.self) { try directory.seal() }
            #expect(!directory.isSealed)
            withExtendedLifetime(lock) {}
        }
    }

    @Test func removalRemovesLinksNotWhatTheyPointAt() throws {
        try withState { state, canary in
            let outside = root + "-outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try "inside".write(toFile: outside + "/file", atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let (directory, lock) = try state.createRunnerDirectory(name: "pylambda-test-4")
            let socketDirectory = directory.socketDirectory.path
            #expect(symlink(outside, socketDirectory + "/dir-link") == 0)
            #expect(symlink(canary, socketDirectory + "/file-link") == 0)
            #expect(mkfifo(socketDirectory + "/fifo", 0o600) == 0)
            try FileManager.default.createDirectory(atPath: socketDirectory + "/nested/deeper", withIntermediateDirectories: true)
            withExtendedLifetime(lock) {}
            state.removeRunnerDirectory(named: "pylambda-test-4")
            #expect(state.runnerDirectory(named: "pylambda-test-4") == nil)
            #expect(FileManager.default.fileExists(atPath: outside + "/file"))
            #expect(state.runnerNames().isEmpty)
        }
    }

    @Test func theStateDirectoryIsPrivateAndSymlinksToItAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        _ = try StateDirectory.open(path: root)
        var info = stat()
        #expect(lstat(root, &info) == 0 && info.st_mode & 0o777 == 0o700, "an existing state directory is made private")
        let link = root + "-link"
        #expect(symlink(root, link) == 0)
        defer { unlink(link) }
        #expect(throws: StateDirectoryError.notPrivate(path: link)) { _ = try StateDirectory.open(path: link) }
        #expect("\(StateDirectoryError.notPrivate(path: link))".contains("0700"))
    }

    @Test func aDirectoryPyLambdaDidNotMakeIsNotTakenOver() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try "someone's".write(toFile: root + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(throws: StateDirectoryError.notOurs(path: root)) { _ = try StateDirectory.open(path: root) }
        var info = stat()
        #expect(lstat(root, &info) == 0 && info.st_mode & 0o777 == 0o755, "its mode was changed")
    }

    @Test func aStateDirectoryUnderADirectoryOthersCanWriteIsRefused() throws {
        let open = root + "-open"
        defer { try? FileManager.default.removeItem(atPath: open) }
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        #expect(chmod(open, 0o777) == 0, "world-writable, not sticky")
        #expect(throws: StateDirectoryError.unsafeAncestor(open)) { _ = try StateDirectory.open(path: open + "/state") }
        #expect(chmod(open, 0o1777) == 0, "sticky, like /tmp")
        _ = try StateDirectory.open(path: open + "/state")
    }

    @Test func theSealRefusesAnythingBesideTheSocket() throws {
        try withState { state, _ in
            let (directory, lock) = try state.createRunnerDirectory(name: "pylambda-test-5")
            // A real listening socket, as the runner leaves it, and one more file.
            let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let path = Array(directory.socketPath.utf8CString)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.enumerated() where index < raw.count { raw[index] = UInt8(bitPattern: byte) }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            try "x".write(toFile: directory.socketDirectory.path + "/extra", atomically: false, encoding: .utf8)
            #expect(throws: StateDirectoryError.self) { try directory.seal() }
            unlink(directory.socketDirectory.path + "/extra")
            try directory.seal()
            #expect(directory.isSealed)
            withExtendedLifetime(lock) {}
        }
    }

    @Test func namesWithSlashesOrDotsAreRefused() throws {
        try withState { state, _ in
            for name in ["../escape", "a/b", ".", "..", "", "nul\u{0}"] {
                #expect(throws: StateDirectoryError.self) { _ = try state.createRunnerDirectory(name: name) }
            }
            #expect(FileManager.default.fileExists(atPath: root + "/escape") == false)
        }
    }
}
