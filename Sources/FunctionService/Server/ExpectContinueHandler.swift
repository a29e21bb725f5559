import NIOCore
import NIOHTTP1

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request's head arrives, as most
/// HTTP servers do. Hummingbird sends none, so curl (which asks for it before a body over 1 MiB)
/// waited a second before sending a package.
///
/// Only when no earlier request on the connection is still being answered (a `100` must not land
/// inside another answer), and never to HTTP/1.0, which does not know it.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var unanswered = UnansweredRequests()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head(let head) = part, unanswered.count == 0, head.version.major == 1, head.version.minor >= 1,
            head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" })
        {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        unanswered.read(part)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        unanswered.wrote(unwrapOutboundIn(data))
        context.write(data, promise: promise)
    }
}
