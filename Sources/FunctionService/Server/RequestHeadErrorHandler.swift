import NIOCore
import NIOHTTP1
import RunnerProtocol
import ServiceProtocol

/// A request head that NIO's parser refuses gets the API's JSON error body, as every other error
/// does: 431 when its headers are over the parser's 80 KiB, else 400 with the parser's reason.
/// Hummingbird would answer with an empty 400, so the error is answered here and not passed on, and
/// the connection is closed: the parser cannot go on after an error.
///
/// Only when every request read has been answered. A parser error inside a body reaches the route
/// reading it, which answers it (`RequestBodyError`); one behind a pipelined request still being
/// answered goes on to Hummingbird, which answers it after that request's answer (an answer here
/// would take that request's place, and the connection with it).
final class RequestHeadErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var unanswered = UnansweredRequests()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unanswered.read(unwrapInboundIn(data))
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        unanswered.wrote(unwrapOutboundIn(data))
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, unanswered.count == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let (status, detail) = Self.describe(parserError)
        let body = WireJSON.buffer(ErrorBody(detail: detail, type: ServiceErrorType.invalidRequest, message: detail))
        let headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes)), ("Connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    static func describe(_ error: HTTPParserError) -> (HTTPResponseStatus, String) {
        switch error {
        case .headerOverflow:
            (.requestHeaderFieldsTooLarge, "the request's headers are too large: at most 80 KiB")
        default:
            (.badRequest, "the request is not HTTP/1.1 this server can read: \(error)")
        }
    }
}
