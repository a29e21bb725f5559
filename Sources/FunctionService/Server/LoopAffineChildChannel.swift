import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's child channel (HTTP/1.1) whose requests are handled on the connection's own event
/// loop instead of Swift's default executor (`EventLoopTaskExecutor` says why).
struct LoopAffineChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
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
