import Foundation
import RawConnectionTesting
import RunnerProtocol
import Testing

/// HTTP/1.1 as it crosses the socket, sent by hand: what a client library would smooth over.
@Suite("The runner's HTTP/1.1 on the wire")
struct HTTPWireTests {
    private func post(_ path: String, _ body: String, headers: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: runner\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)"
    }

    private static let echo = function("return {'echo': data}")

    @Test(arguments: setups)
    func pipelinedRequestsAreAnsweredInOrderOnOneConnection(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(function("import time\nif data == 'slow':\n    time.sleep(0.05)\nreturn data"))
            let connection = try RawConnection(client.address)
            // Everything in one write: a slow run, health checks and runs interleaved.
            try connection.send(post("/run", #""slow""#) + "GET /healthz HTTP/1.1\r\nHost: runner\r\n\r\n" + post("/run", "1") + post("/nowhere", "{}") + post("/run", "2"))
            let answers = try (0..<5).map { _ in try #require(try connection.readResponse()) }
            #expect(answers.map(\.status) == [200, 200, 200, 404, 200])
            #expect(answers.map(\.body)[0] == #""slow""#)
            #expect(answers[1].body == #"{"status":"ok","loaded":true}"#)
            #expect(answers.map(\.body)[2] == "1")
            #expect(answers.map(\.body)[4] == "2")
        }
    }

    @Test(arguments: setups)
    func aChunkedBodySplitAnywhereIsOneRequest(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(Self.echo)
            let connection = try RawConnection(client.address)
            let head = "POST /run HTTP/1.1\r\nHost: runner\r\nTransfer-Encoding: chunked\r\n\r\n"
            let chunks = "4;note=x\r\n{\"a\"\r\n3\r\n: [\r\nA\r\n1, 2, 3]} \r\n0\r\nTrailer-Field: ignored\r\n\r\n"
            // Byte by byte across several writes, then in one piece.
            let all = Array((head + chunks).utf8)
            for start in stride(from: 0, to: all.count, by: 7) {
                try connection.send(Array(all[start..<min(start + 7, all.count)]))
            }
            #expect(try connection.readResponse()?.body == #"{"echo":{"a":[1,2,3]}}"#)
            try connection.send(head + chunks)
            #expect(try connection.readResponse()?.body == #"{"echo":{"a":[1,2,3]}}"#)
        }
    }

    @Test(arguments: setups)
    func expectContinueGetsAnInterimAnswerBeforeTheBody(setup: Setup) async throws {
        try await withRunner(setup) { client in
            try await client.mustLoad(Self.echo)
            let connection = try RawConnection(client.address)
            try connection.send("POST /run HTTP/1.1\r\nHost: runner\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try #require(try connection.readResponse())
            #expect(interim.status == 100)
            try connection.send("true")
            #expect(try connection.readResponse()?.body == #"{"echo":true}"#)
            // A body over the limit is refused before it is sent.
            try connection.send("POST /run HTTP/1.1\r\nHost: runner\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
            let refused = try #require(try connection.readResponse())
            #expect(refused.status == 413)
            #expect(refused.header("Connection") == "close")
        }
    }

    @Test
    func http10ClosesUnlessAskedToKeepAlive() async throws {
        try await withRunner { client in
            try await client.mustLoad(Self.echo)
            let keepAlive = try RawConnection(client.address)
            try keepAlive.send("POST /run HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n1")
            let first = try #require(try keepAlive.readResponse())
            #expect(first.status == 200)
            #expect(first.header("Connection") == "keep-alive")
            try keepAlive.send("POST /run HTTP/1.0\r\nContent-Length: 1\r\n\r\n2")
            let second = try #require(try keepAlive.readResponse())
            #expect(second.body == #"{"echo":2}"#)
            #expect(second.header("Connection") == "close")
            #expect(try keepAlive.isClosedByPeer())
        }
    }

    @Test
    func connectionCloseIsHonouredAndHeadHasNoBody() async throws {
        try await withRunner { client in
            let connection = try RawConnection(client.address)
            try connection.send("HEAD /healthz HTTP/1.1\r\nHost: runner\r\n\r\n")
            let head = try #require(try connection.readResponse(isHead: true))
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "30")
            #expect(head.header("Date")?.hasSuffix("GMT") == true)
            try connection.send("GET / HTTP/1.1\r\nHost: runner\r\nConnection: close\r\n\r\n")
            let last = try #require(try connection.readResponse())
            #expect(last.body == #"{"status":"ok","loaded":false}"#)
            #expect(try connection.isClosedByPeer())
        }
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("GET /healthz HTTP/1.1\nHost: a\n\n", 400, RunnerErrorType.invalidRequest),
        ("GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("GET /healthz HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("GET /healthz HTTP/1.1\r\nX: a\u{01}b\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("POST /run HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("POST /run HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("POST /run HTTP/1.1\r\nContent-Length: -3\r\n\r\n", 400, RunnerErrorType.invalidRequest),
        ("POST /run HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, RunnerErrorType.unsupportedRequest),
        ("POST /run HTTP/1.1\r\nExpect: the-unexpected\r\nContent-Length: 1\r\n\r\n1", 417, RunnerErrorType.unsupportedRequest),
        ("GET /healthz HTTP/2.0\r\n\r\n", 505, RunnerErrorType.unsupportedRequest),
        ("POST /run HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, RunnerErrorType.invalidRequest),
    ])
    func malformedRequestsAreJSONErrorsAndCloseTheConnection(request: String, status: Int, type: String) async throws {
        try await withRunner { client in
            let connection = try RawConnection(client.address)
            try connection.send(request)
            let response = try #require(try connection.readResponse())
            #expect(response.status == status)
            #expect(response.header("Connection") == "close")
            let error = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.utf8))
            #expect(error.error.type == type, "\(error.detail)")
            #expect(try connection.isClosedByPeer())
            // The runner is fine.
            #expect(try await client.get(RunnerPath.health).status == .ok)
        }
    }

    @Test
    func headsOverTheLimitAre431() async throws {
        try await withRunner { client in
            let huge = try RawConnection(client.address)
            try huge.send("GET /healthz HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n")
            let response = try #require(try huge.readResponse())
            #expect(response.status == 431)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.utf8)).error.type == RunnerErrorType.headerFieldsTooLarge)

            let many = try RawConnection(client.address)
            try many.send("GET /healthz HTTP/1.1\r\n" + (0..<150).map { "X-\($0): y\r\n" }.joined() + "\r\n")
            #expect(try many.readResponse()?.status == 431)
        }
    }

    @Test(arguments: setups)
    func aBodyOverTheLimitIs413EvenWhileTheClientStillSends(setup: Setup) async throws {
        try await withRunner(setup, configure: { $0.maxBodyBytes = 1000 }) { client in
            let connection = try RawConnection(client.address)
            // Declared too large: answered at once, though the body keeps coming.
            try connection.send("POST /run HTTP/1.1\r\nContent-Length: 3000000\r\n\r\n")
            try connection.send([UInt8](repeating: 0x20, count: 200_000))
            let response = try #require(try connection.readResponse())
            #expect(response.status == 413)
            // Chunked, found too large only while decoding.
            let chunked = try RawConnection(client.address)
            try chunked.send("POST /run HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + String(repeating: "a", count: 1000) + "\r\n1\r\na\r\n0\r\n\r\n")
            #expect(try chunked.readResponse()?.status == 413)
        }
    }

    @Test(arguments: setups)
    func aLargeResultIsWrittenWholeToASlowReader(setup: Setup) async throws {
        try await withRunner(setup, configure: { $0.maxBodyBytes = 16 << 20 }) { client in
            try await client.mustLoad(function("return 'x' * data"))
            let connection = try RawConnection(client.address)
            // 8 MB: far more than a socket buffer, so the runner writes it in parts as the client reads.
            try connection.send(post("/run", "8000000") + post("/run", "3"))
            let big = try #require(try connection.readResponse())
            #expect(big.body.utf8.count == 8_000_002)
            #expect(try connection.readResponse()?.body == #""xxx""#)
        }
    }

    @Test
    func aClientThatHalfClosesStillGetsItsAnswers() async throws {
        try await withRunner { client in
            try await client.mustLoad(Self.echo)
            let connection = try RawConnection(client.address)
            try connection.send(post("/run", "1") + post("/run", "2"))
            connection.shutdownWrite()
            #expect(try connection.readResponse()?.body == #"{"echo":1}"#)
            #expect(try connection.readResponse()?.body == #"{"echo":2}"#)
            #expect(try connection.isClosedByPeer())
        }
    }

    /// Edge-triggered epoll reports the last request and the end of the stream in one event when
    /// both arrive while the connection is not reading (here: while a call runs). A read that comes
    /// up short then says nothing about the end of the stream; the runner must still see it.
    @Test
    func aHalfCloseThatArrivesWithTheLastRequestDuringACallStillClosesTheConnection() async throws {
        try await withRunner { client in
            try await client.mustLoad(function("import time\nif data == 'slow':\n    time.sleep(0.3)\nreturn data"))
            let connection = try RawConnection(client.address, timeoutSeconds: 5)
            try connection.send(post("/run", #""slow""#))
            try await Task.sleep(for: .milliseconds(100))
            try connection.send(post("/run", "2"))
            connection.shutdownWrite()
            #expect(try connection.readResponse()?.body == #""slow""#)
            #expect(try connection.readResponse()?.body == "2")
            #expect(try connection.isClosedByPeer())
        }
    }
}
