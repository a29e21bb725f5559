import NIOCore
import NIOEmbedded
import Testing

@testable import Dispatcher

/// The rules of one runner connection, on NIO's embedded channel: a cancelled caller never sends its
/// request, and a cancellation that comes late leaves the next call on the connection alone.
@Suite struct RunnerExchangeHandlerTests {
    private static let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    private static func connection() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RunnerExchangeHandler(onClose: {}))
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/runner.sock")).wait()
        return channel
    }

    private static func exchange(on channel: EmbeddedChannel) -> RunnerExchange {
        RunnerExchange(
            request: ByteBuffer(string: "POST /run HTTP/1.1\r\n\r\n"), deadline: .now() + .seconds(60), maxBodyBytes: 1024,
            answer: channel.eventLoop.makePromise())
    }

    @Test func aCallCancelledBeforeItsWriteSendsNothing() throws {
        let channel = try Self.connection()
        let exchange = Self.exchange(on: channel)
        exchange.cancellation.cancel()
        try channel.writeOutbound(exchange)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "the request was written")
        #expect(throws: CancellationError.self) { try exchange.answer.futureResult.wait() }
        #expect(!channel.isActive, "a connection that was taken and not used is closed")
    }

    @Test func aLateCancellationLeavesTheNextCallAlone() throws {
        let channel = try Self.connection()
        let first = Self.exchange(on: channel)
        try channel.writeOutbound(first)
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil)
        try channel.writeInbound(ByteBuffer(string: Self.answer))
        #expect(try first.answer.futureResult.wait().body == Array("{}".utf8))

        let second = Self.exchange(on: channel)
        try channel.writeOutbound(second)
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil)
        // The first caller's cancellation arrives now.
        first.cancellation.cancel()
        channel.pipeline.fireUserInboundEventTriggered(RunnerExchangeCancelled(exchange: first.cancellation))
        #expect(channel.isActive, "the second call's connection was closed by the first call's cancellation")
        try channel.writeInbound(ByteBuffer(string: Self.answer))
        #expect(try second.answer.futureResult.wait().status == 200)

        // Its own cancellation ends a call in progress, and the connection with it.
        let third = Self.exchange(on: channel)
        try channel.writeOutbound(third)
        third.cancellation.cancel()
        channel.pipeline.fireUserInboundEventTriggered(RunnerExchangeCancelled(exchange: third.cancellation))
        #expect(throws: CancellationError.self) { try third.answer.futureResult.wait() }
        #expect(!channel.isActive)
    }
}
