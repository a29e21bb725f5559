import NIOCore
import NIOHTTP1

/// Keep-alive as HTTP/1.0 and `Connection: close` want it, which the HTTP types Hummingbird works
/// with cannot carry (they have no version). It sits in front of their codec:
/// - a request that does not keep its connection (HTTP/1.0 without `keep-alive`) is marked
///   `Connection: close`, so that Hummingbird closes once the answer is written, as it does for an
///   HTTP/1.1 `Connection: close`; the answer says `close`;
/// - the answer to an HTTP/1.0 request that asked for `keep-alive` says `keep-alive`, which a 1.0
///   client such as ApacheBench needs to see before it reuses the connection.
///
/// Without it, those clients waited for the idle timeout to see their answer end.
final class HTTP10KeepAliveHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Answer {
        case plain
        case close
        case keepAlive
    }

    /// What the answer of each request read and not yet answered must say, oldest first.
    private var answers: [Answer] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        let isHTTP10 = head.version.major == 1 && head.version.minor == 0
        if !head.isKeepAlive {
            answers.append(.close)
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        answers.append(isHTTP10 ? .keepAlive : .plain)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where response.status.code >= 200:
            switch answers.first {
            case .close?: response.headers.replaceOrAdd(name: "connection", value: "close")
            case .keepAlive?: response.headers.replaceOrAdd(name: "connection", value: "keep-alive")
            case .plain?, nil: return context.write(data, promise: promise)
            }
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end:
            if !answers.isEmpty { answers.removeFirst() }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
