import Foundation
import Testing

@testable import DockerEngine

/// Build contexts, log streams, events and URLs as the daemon reads and writes them.
@Suite struct WireFormatTests {
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

    @Test func urlsAndLogStreams() {
        #expect(UnixSocketURL.make(socketPath: "/var/run/docker.sock", path: "/v1.41/version")
            == "http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.41/version")
        #expect(LogStream.demultiplex([1, 0, 0, 0, 0, 0, 0, 3] + Array("abc".utf8) + [2, 0, 0, 0, 0, 0, 0, 1] + [10]) == "abc\n")
    }

    @Test func eventsOfRemovedContainersDecode() throws {
        let line = #"{"status":"die","id":"abc","from":"img","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"139","image":"img"}},"scope":"local","time":1764217633,"timeNano":1764217633123456789}"#
        let event = try JSONDecoder().decode(DockerEvent.self, from: Data(line.utf8))
        #expect(event.action == "die" && event.type == "container" && event.actor.id == "abc")
        #expect(event.exitCode == 139)
        let oom = try JSONDecoder().decode(DockerEvent.self, from: Data(#"{"Type":"container","Action":"oom","Actor":{"ID":"abc"}}"#.utf8))
        #expect(oom.action == "oom" && oom.exitCode == nil)
    }

    @Test func daemonErrorsSayWhatToDo() async {
        await #expect {
            _ = try await DockerClient.connect(socketPath: "/nonexistent/docker.sock")
        } throws: { error in
            guard case DockerError.daemonUnreachable = error else { return false }
            return "\(error)".contains("systemctl start docker")
        }
        await #expect(throws: DockerError.self) { _ = try await DockerClient.connect(socketPath: "tcp://1.2.3.4:2375") }
    }
}
