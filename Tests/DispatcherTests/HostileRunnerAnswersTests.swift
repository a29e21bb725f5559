import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

/// A function can take over its runner's connection and answer the host itself. The host bounds
/// every answer in time and size, checks that a result is JSON, and never sends a call elsewhere
/// because of what came back.
extension DockerTests {
    /// Python that finds the connection of the call in progress and hands it to `body(sock)`.
    static func hijack(_ body: String, inBackground: Bool = false) -> String {
        """
        import os, socket, threading, time
        \(findConnection)
        sent = threading.Event()
        class Announcing:
            # The function returns only once the attack has written something: its bytes come first.
            def __init__(self, sock):
                self.sock = sock
            def sendall(self, data):
                self.sock.sendall(data)
                sent.set()
        def attack(sock):
        \(body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        def entrypoint(data):
            sock = Announcing(connection())
            if \(inBackground ? "True" : "False"):
                threading.Thread(target=attack, args=(sock,), daemon=True).start()
                sent.wait(10)
            else:
                attack(sock)
            return "the runner's own answer"
        """
    }

    /// Python: `connection()` is the socket of the call in progress.
    static let findConnection = """
        def connection():
            for fd in range(3, 512):
                try:
                    sock = socket.socket(fileno=os.dup(fd))
                except OSError:
                    continue
                try:
                    if sock.family == socket.AF_UNIX and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0:
                        return sock
                except OSError:
                    pass
                sock.close()
        """

    @Test func anAnswerThatNeverEndsTimesOutAndTheRunnerGoes() async throws {
        try await withDispatcher { dispatcher, docker in
            var configuration = dispatcher.configuration.function
            configuration.timeout = .seconds(2)
            let trickle = FunctionDefinition(
                source: Self.hijack(
                    """
                    sock.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: 1000000\\r\\n\\r\\n[")
                    while True:
                        sock.sendall(b"1,")
                        time.sleep(0.5)
                    """, inBackground: true),
                configuration: configuration)
            let started = ContinuousClock.now
            await #expect {
                _ = try await withinTimeLimit(.seconds(30)) { try await dispatcher.invoke(trickle, json: "null") }
            } throws: { error in
                guard case DispatcherError.timedOut = error else { return false }
                return true
            }
            #expect(ContinuousClock.now - started < .seconds(15), "the answer was bounded by the call's deadline")
            let gone = try await TestEnvironment.eventually {
                try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity).isEmpty
                    || dispatcher.runners().allSatisfy { $0.codeHash != trickle.codeHash }
            }
            #expect(gone, "the runner that hung is not reused")
            // An answer announcing more than a result may be is refused at once.
            let huge = FunctionDefinition(
                source: Self.hijack(
                    """
                    sock.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 500000000\\r\\n\\r\\n[")
                    time.sleep(60)
                    """, inBackground: true),
                configuration: configuration)
            await #expect {
                _ = try await dispatcher.invoke(huge, json: "null")
            } throws: { error in
                guard case DispatcherError.protocolViolation(let message) = error else { return false }
                return message.contains("larger than")
            }
        }
    }

    @Test func anAnswerThatIsNotJSONIsRefused() async throws {
        try await withDispatcher { dispatcher, _ in
            let injector = FunctionDefinition(
                source: Self.hijack(
                    """
                    body = b'1, "admin": true, "x": 2'
                    sock.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
                    """))
            await #expect {
                _ = try await dispatcher.invoke(injector, json: "null")
            } throws: { error in
                guard case DispatcherError.protocolViolation(let message) = error else { return false }
                return message.contains("not JSON")
            }
        }
    }

    @Test func anAnswerThatClaimsTheCallNeverRanIsNotSentElsewhere() async throws {
        try await withDispatcher { dispatcher, docker in
            let liar = FunctionDefinition(
                source: Self.hijack(
                    """
                    body = b'{"detail":"unavailable","error":{"type":"RunnerUnavailable","message":"x","traceback":[]}}'
                    sock.sendall(b"HTTP/1.1 503 Service Unavailable\\r\\nContent-Type: application/json\\r\\nContent-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
                    """))
            let since = Int(Date().timeIntervalSince1970) - 1
            await #expect(throws: DispatcherError.self) { _ = try await dispatcher.invoke(liar, json: "null") }
            // One container ran it: the 503 did not send the call to a second runner.
            let created = try TestEnvironment.dockerCLI([
                "events", "--since", String(since), "--until", String(Int(Date().timeIntervalSince1970) + 1),
                "--filter", "label=\(ContainerLabel.codeHash)=\(liar.codeHash)", "--filter", "event=create", "--format", "{{.ID}}",
            ])
            #expect(created.split(separator: "\n").count == 1, "containers created: \(created)")
            _ = docker
        }
    }

    /// After a forged answer, the runner writes its own on a connection the host is no longer
    /// reading: those bytes are never taken for the next call's answer.
    @Test func bytesAfterAnAnswerAreNeverTheNextCallsAnswer() async throws {
        try await withDispatcher { dispatcher, _ in
            let forger = FunctionDefinition(
                source: """
                    import os, socket
                    \(Self.findConnection)
                    def entrypoint(data):
                        if data == "forge":
                            body = b'"forged"'
                            connection().sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
                            return "the first call's own answer"
                        return data
                    """)
            // The first whole answer is the call's: the function wrote it, so it is the function's.
            #expect(try await dispatcher.invoke(forger, json: #""forge""#) == #""forged""#)
            try await Task.sleep(for: .milliseconds(300))
            for call in ["second", "third"] {
                #expect(try await dispatcher.invoke(forger, json: "\"\(call)\"") == "\"\(call)\"")
            }
        }
    }

    /// A head that never ends is refused as soon as it is longer than any runner's, not at the deadline.
    @Test func anAnswerWithAnEndlessHeadIsRefusedAtOnce() async throws {
        try await withDispatcher { dispatcher, _ in
            let endless = FunctionDefinition(
                source: Self.hijack(
                    """
                    sock.sendall(b"HTTP/1.1 200 OK\\r\\nX-Pad: " + b"a" * 100000)
                    time.sleep(60)
                    """, inBackground: true))
            let started = ContinuousClock.now
            await #expect {
                _ = try await dispatcher.invoke(endless, json: "null")
            } throws: { error in
                guard case DispatcherError.protocolViolation(let message) = error else { return false }
                return message.contains("head is longer")
            }
            #expect(ContinuousClock.now - started < .seconds(10), "refused before the call's deadline")
        }
    }

    @Test func theHostsIdleTTLHoldsAgainstARunnerThatKeepsItselfBusy() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        // It calls its own socket now and then, so the runner itself never sees an idle minute.
        let code = """
            # keep-alive \(UInt32.random(in: 0...UInt32.max))
            import socket, threading, time
            def ping():
                while True:
                    time.sleep(1)
                    try:
                        s = socket.socket(socket.AF_UNIX); s.connect("/run/pylambda/runner.sock")
                        s.sendall(b"POST /run HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 2\\r\\n\\r\\n{}"); s.recv(1000); s.close()
                    except OSError:
                        pass
            threading.Thread(target=ping, daemon=True).start()
            def entrypoint(data):
                return "up"
            """
        let configuration = TestEnvironment.configuration {
            $0.keepWarmAfterShutdown = true
            $0.idleTTL = .seconds(3)
        }
        _ = try await Dispatcher.withDispatcher(configuration: configuration) { try await $0.invoke(code: code, json: "null") }
        let left = try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code))
        let name = try #require(left.first?.name)
        // Its last call, as the host recorded it, was long ago.
        let state = try StateDirectory.open(path: configuration.stateDirectory)
        let directory = try #require(state.runnerDirectory(named: name))
        var old = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(utimensat(directory.directory.descriptor, RunnerLock.fileName, &old, AT_SYMLINK_NOFOLLOW) == 0)
        try await Dispatcher.withDispatcher(configuration: TestEnvironment.configuration()) { _ in
            let removed = try await TestEnvironment.eventually(timeout: .seconds(15)) {
                try await TestEnvironment.containers(docker, codeHash: Functions.sha256(code)).isEmpty
            }
            #expect(removed, "the sweep removes a runner idle past its TTL by the host's clock")
        }
        try await TestEnvironment.removeRunners(docker, codeHash: Functions.sha256(code))
        await docker.shutdown()
    }

    @Test func aRootOrNonNumericContainerUserIsRefusedForEveryFunction() async throws {
        try await withDispatcher { dispatcher, docker in
            for user in ["0", "00", "+0", "00:00", "root", "nobody", "0:0"] {
                var configuration = dispatcher.configuration.function
                configuration.user = user
                await #expect("user \(user)") {
                    _ = try await dispatcher.invoke(FunctionDefinition(source: Functions.echo, configuration: configuration), json: "1")
                } throws: { error in
                    guard case DispatcherError.invalidConfiguration = error else { return false }
                    return true
                }
            }
            let started = try await TestEnvironment.containerIDs(docker, owner: dispatcher.identity)
            #expect(started.isEmpty, "nothing was started")
        }
    }
}
