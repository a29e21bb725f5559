import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Dispatcher
@testable import FunctionService

/// serve's HTTP server handles a request on its connection's event loop (no thread hop on the way
/// to the runner and back), and a request with a large body on Swift's default executor.
@Suite struct LoopAffinityTests {
    /// Where the handler ran, before and after it awaited: `loop` (the same event loop both times),
    /// `pool` (no event loop either time), or `mixed`.
    static func application() -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: OffLoopMiddleware())
        router.on("/where", method: .post) { request, _ -> String in
            let before = MultiThreadedEventLoopGroup.currentEventLoop
            _ = try await request.body.collect(upTo: 4 << 20)
            try await Task.sleep(for: .milliseconds(1))
            let after = MultiThreadedEventLoopGroup.currentEventLoop
            switch (before, after) {
            case (let before?, let after?) where before === after: return "loop"
            case (nil, nil): return "pool"
            default: return "mixed"
            }
        }
        return Application(router: router, server: .loopAffineHTTP1())
    }

    @Test func aSmallRequestStaysOnItsConnectionsLoop() async throws {
        try await Self.application().test(.live) { client in
            for body in ["", "{\"n\": 1}", String(repeating: "x", count: 256 << 10)] {
                let answer = try await client.execute(uri: "/where", method: .post, body: ByteBuffer(string: body))
                #expect(String(buffer: answer.body) == "loop", "a body of \(body.utf8.count) bytes")
            }
        }
    }

    @Test func aLargeRequestIsHandledOffTheLoop() async throws {
        try await Self.application().test(.live) { client in
            let answer = try await client.execute(
                uri: "/where", method: .post, body: ByteBuffer(repeating: UInt8(ascii: "x"), count: (256 << 10) + 1))
            #expect(String(buffer: answer.body) == "pool")
            // The connection's next small request is back on the loop.
            let small = try await client.execute(uri: "/where", method: .post, body: ByteBuffer(string: "{}"))
            #expect(String(buffer: small.body) == "loop")
        }
    }

    @Test func aChunkedRequestIsHandledOffTheLoop() async throws {
        try await Self.application().test(.live) { client in
            let port = try #require(client.port)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/where")
            request.method = .POST
            // A body of unknown length goes chunked.
            request.body = .stream([ByteBuffer(string: "{}")].async, length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "pool")
        }
    }
}

extension ServiceAPITests {
    /// A serve pinned to one CPU runs one event loop (NIO alone would run one per core), and that loop
    /// serves both the callers' connections and the runners'.
    @Test func aServePinnedToOneCPURunsOneEventLoop() async throws {
        try await withServe(warmPool: 0, cpus: "0") { serve in
            let loops = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(serve.process.processIdentifier)/task").filter { task in
                let name = (try? String(contentsOfFile: "/proc/\(serve.process.processIdentifier)/task/\(task)/comm", encoding: .utf8)) ?? ""
                return name.hasPrefix("NIO-SGLTN-")
            }
            #expect(loops.count == 1, "event loop threads: \(loops)")
            #expect(try await serve.deploy("echo", code: Self.echo).status == 201)
            for number in 1...3 {
                let answer = try await serve.invoke("echo", "\(number)")
                #expect(answer.status == 200 && answer.text == "{\"echo\":\(number)}", "\(answer.status) \(answer.text)")
            }
        }
    }
    /// An exchange with a runner from serve's event loop goes over a connection on that loop, opened
    /// there if it has none, rather than over an idle one of another loop: that woke the other loop's
    /// thread for the request and the answer, and hopped back (a busy serve on two cores lost about a
    /// tenth of its calls to it).
    @Test func runnerExchangesUseAConnectionOnTheCallersLoop() async throws {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        guard loops.count >= 2 else { return }
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("affine-\(getpid()).sock").path
        unlink(socket)
        let accepted = ConnectionCounter()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.increment()
                return channel.pipeline.addHandler(FixedRunnerAnswer())
            }
            .bind(unixDomainSocketPath: socket).get()
        let pool = RunnerConnectionPool()
        var statuses: [Int] = []
        do {
            for loop in [loops[0], loops[1], loops[0], loops[1], loops[0]] {
                let answer = try await withTaskExecutorPreference(EventLoopTaskExecutor.of(loop)) {
                    try await pool.exchange(
                        socketPath: socket, request: ByteBuffer(string: "POST /run HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"),
                        deadline: .now() + .seconds(10), maxBodyBytes: 1 << 20)
                }
                statuses.append(answer.status)
            }
        } catch {
            Issue.record("exchange failed: \(error)")
        }
        await pool.shutdown()
        try await server.close()
        unlink(socket)
        #expect(statuses == [200, 200, 200, 200, 200])
        #expect(accepted.count == 2, "one connection per loop, each reused: \(accepted.count)")
    }
}

/// Connections a test server accepted.
private final class ConnectionCounter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// Answers every read as a runner answers a call: 200 with a JSON body, connection kept.
private final class FixedRunnerAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
    }
}
