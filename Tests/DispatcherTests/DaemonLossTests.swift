import DockerEngine
import Foundation
import Testing

@testable import Dispatcher

extension DockerTests {
    /// A stand-in for the daemon's socket that can be made to vanish: a small forwarding proxy.
    final class SocketProxy {
        let path: String
        let process = Process()

        init(to target: String) throws {
            path = "/tmp/pylambda-docker-proxy-\(getpid()).sock"
            unlink(path)
            let script = """
                import os, socket, sys, threading
                listener = socket.socket(socket.AF_UNIX)
                listener.bind(sys.argv[1]); listener.listen(4096)
                def pipe(a, b):
                    try:
                        while (data := a.recv(65536)):
                            b.sendall(data)
                    except OSError:
                        pass
                    finally:
                        for s in (a, b):
                            try: s.shutdown(socket.SHUT_RDWR)
                            except OSError: pass
                def serve(client):
                    upstream = socket.socket(socket.AF_UNIX)
                    try:
                        upstream.connect(sys.argv[2])
                    except OSError:
                        client.close(); return
                    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
                    pipe(client, upstream)
                # Accepting is all this loop does: the daemon's connection is made in the
                # connection's own thread, so that a loaded machine does not fill the backlog
                # (a refused connect, EAGAIN, failed the test under CI's load).
                while True:
                    client, _ = listener.accept()
                    threading.Thread(target=serve, args=(client,), daemon=True).start()
                """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, path, target]
            // Its output is not the test's: a child holding the test's pipes keeps `swift test` waiting.
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Until it accepts a connection: the socket file exists from `bind`, before `listen`, and a
            // connection in between is refused (which failed this test now and then).
            for _ in 0..<200 where !Self.accepts(path) { usleep(10_000) }
        }

        private static func accepts(_ path: String) -> Bool {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
            }
        }

        /// Idempotent: the test stops it midway, and `defer` again whatever happened, so that a
        /// failure does not leave it holding the test runner's output pipe (the run then never ends).
        func stop() {
            guard !stopped else { return }
            stopped = true
            // SIGKILL: the test runner's children may inherit SIGTERM as ignored.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            unlink(path)
        }

        private var stopped = false
    }

    @Test func losingTheDaemonFailsNewWorkClearlyAndKeepsWarmCallsGoing() async throws {
        guard let docker = await TestEnvironment.docker() else { return }
        defer { Task { await docker.shutdown() } }
        let proxy = try SocketProxy(to: docker.socketPath)
        defer { proxy.stop() }
        let dispatcher = try Dispatcher(
            configuration: TestEnvironment.configuration { $0.backend = .docker(socketPath: proxy.path) })
        let running = Task { try await dispatcher.run() }
        let warm = try await dispatcher.invoke(code: Functions.echo, json: "1")
        #expect(warm == "1")
        let owner = dispatcher.identity

        proxy.stop()
        // The runner is reached over its own socket: warm calls do not need the daemon.
        let stillWarm = try await dispatcher.invoke(code: Functions.echo, json: "2")
        #expect(stillWarm == "2")
        // A new container does, and the error says how to get the daemon back.
        await #expect {
            _ = try await dispatcher.invoke(code: Functions.counter("needs-docker"), json: "{}")
        } throws: { error in
            guard case DispatcherError.docker(.daemonUnreachable) = error else { return false }
            return "\(error)".contains("systemctl start docker")
        }
        await dispatcher.shutdown()
        try await running.value
        // Shutdown could not reach the daemon either; clean up through the real socket.
        for container in try await TestEnvironment.containerIDs(docker, owner: owner) {
            try await docker.removeContainer(container)
        }
        let directories = try await docker.listContainers(labels: ["\(ContainerLabel.owner)=\(owner)"])
        #expect(directories.isEmpty)
    }
}
