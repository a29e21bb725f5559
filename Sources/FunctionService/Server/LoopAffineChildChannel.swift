import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Hummingbird's child channel (HTTP/1.1) whose requests are handled on the connection's own event
/// loop instead of Swift's default executor (`EventLoopTaskExecutor` says why), with handlers of ours
/// in front of its codec to HTTP types, for what those types cannot carry: a JSON answer to a request
/// head the parser refuses (`RequestHeadErrorHandler`), HTTP/1.0 keep-alive (`HTTP10KeepAliveHandler`)
/// and `100 Continue` (`ExpectContinueHandler`).
struct LoopAffineChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // In front of the codec to HTTP types, which drops the request's version.
            let pipeline = channel.pipeline.syncOperations
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandlers([RequestHeadErrorHandler(), HTTP10KeepAliveHandler(), ExpectContinueHandler()], position: .before(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor.of(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection's requests handled on its event loop.
    static func loopAffineHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            LoopAffineChildChannel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
