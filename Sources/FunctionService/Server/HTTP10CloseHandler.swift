import NIOCore
import NIOHTTP1

/// Closes a connection after the answer to a request that did not ask to keep it (HTTP/1.0 without
/// `Connection: keep-alive`, or `Connection: close`), and says so in the answer. The HTTP types that
/// Hummingbird works with carry no version, so this sits in front of their codec: without it, an
/// HTTP/1.0 client such as ApacheBench waited for the idle timeout to see its answer end.
final class HTTP10CloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Whether each request read and not yet answered keeps the connection, oldest first.
    private var keepAlive: [Bool] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data) { keepAlive.append(request.isKeepAlive) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where response.status.code >= 200 && keepAlive.first == false:
            response.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end where !keepAlive.isEmpty:
            let keep = keepAlive.removeFirst()
            guard !keep else { return context.write(data, promise: promise) }
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        default:
            context.write(data, promise: promise)
        }
    }
}
