import NIOCore
import Synchronization

/// One request to a runner and the promise of its answer, under one deadline for all of it.
struct RunnerExchange: Sendable {
    var request: ByteBuffer
    var deadline: NIODeadline
    var maxBodyBytes: Int
    var answer: EventLoopPromise<RunnerHTTPResponse>
    var cancellation = RunnerExchangeCancellation()
}

/// Whether the caller of one exchange gave up, and which exchange that is.
///
/// The caller's task can be cancelled before its exchange reaches the connection's event loop, or
/// after it ended and the connection went on to the next call. The flag covers the first case (the
/// request is never written), and the identity the second (the next call is left alone).
final class RunnerExchangeCancellation: Sendable {
    private let cancelled = Atomic(false)

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }
}

/// Sent down the pipeline when the caller of `exchange` is cancelled.
struct RunnerExchangeCancelled: Sendable {
    let exchange: RunnerExchangeCancellation
}

/// Runs exchanges on one connection to a runner, one at a time, on the connection's event loop.
///
/// The deadline covers the whole answer, body included: a function holding the connection could
/// otherwise trickle an answer, or never finish one, and keep its runner and the call forever. Bytes
/// that arrive while no exchange is running can only come from a function writing on the connection,
/// so they close it rather than being read as the next call's answer.
final class RunnerExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RunnerExchange
    typealias OutboundOut = ByteBuffer

    private struct Current {
        var answer: EventLoopPromise<RunnerHTTPResponse>
        var parser: RunnerResponseParser
        var deadline: Scheduled<Void>
        var cancellation: RunnerExchangeCancellation
    }

    private var current: Current?
    private var received: ByteBuffer
    /// Called once the connection is closed, to drop it from the idle connections.
    private let onClose: @Sendable () -> Void

    /// A connection keeps its buffer between calls unless an answer made it larger than this.
    private static let keptBufferCapacity = 64 * 1024
    /// The buffer grows toward the announced length at most this much ahead of what arrived (before
    /// NIO rounds its capacity up to a power of two): an answer that announces megabytes and sends
    /// nothing costs the host little.
    private static let growthStep = 1 << 20

    init(onClose: @escaping @Sendable () -> Void) {
        self.onClose = onClose
        received = ByteBuffer()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        promise?.succeed()
        guard current == nil else {
            exchange.answer.fail(RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: "the connection is busy"))
            return
        }
        guard !exchange.cancellation.isCancelled else {
            // Nothing was written; the connection is not given back, so it goes.
            context.close(promise: nil)
            exchange.answer.fail(CancellationError())
            return
        }
        guard context.channel.isActive else {
            // Closed between being taken from the idle connections and now: nothing was sent.
            exchange.answer.fail(RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: "the connection had closed"))
            return
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = context.channel
        let deadline = context.eventLoop.scheduleTask(deadline: exchange.deadline) {
            bound.value.finish(
                with: .failure(RunnerTransportError(beforeSending: false, deadlineExceeded: true, underlying: "no whole answer by the deadline")),
                channel: channel)
        }
        current = Current(
            answer: exchange.answer, parser: RunnerResponseParser(maxBodyBytes: exchange.maxBodyBytes), deadline: deadline,
            cancellation: exchange.cancellation)
        context.writeAndFlush(wrapOutboundOut(exchange.request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard current != nil else {
            // Nobody asked: a function is writing on its connection.
            context.close(promise: nil)
            return
        }
        received.writeBuffer(&bytes)
        parseReceived(channel: context.channel)
    }

    private func parseReceived(channel: any Channel) {
        guard var exchange = current else { return }
        let outcome: Result<(RunnerHTTPResponse, consumed: Int)?, RunnerResponseError>
        outcome = received.withUnsafeReadableBytes { bytes in Result { () throws(RunnerResponseError) in try exchange.parser.parse(bytes) } }
        switch outcome {
        case .success(nil):
            current = exchange
            if let expected = exchange.parser.bytesStillExpected, expected > received.readableBytes {
                received.reserveCapacity(minimumWritableBytes: min(expected - received.readableBytes, Self.growthStep))
            }
        case .success(let (answer, consumed)?):
            current = exchange
            var response = answer
            received.moveReaderIndex(forwardBy: consumed)
            // Anything after the answer was not asked for: the connection cannot be trusted again.
            response.closesConnection = response.closesConnection || received.readableBytes != 0
            finish(with: .success(response), channel: channel, keepConnection: !response.closesConnection)
        case .failure(.tooLarge(let limit)):
            current = exchange
            finish(with: .failure(RunnerErrorResponse(status: 502, body: nil, raw: RunnerResponseError.tooLarge(limit).description)), channel: channel)
        case .failure(let error):
            current = exchange
            finish(with: .failure(RunnerTransportError(beforeSending: false, deadlineExceeded: false, underlying: error.description)), channel: channel)
        }
    }

    /// Ends the exchange in progress, if any; the connection is closed unless told to keep it.
    private func finish(with result: Result<RunnerHTTPResponse, any Error>, channel: any Channel, keepConnection: Bool = false) {
        guard let exchange = current else {
            if !keepConnection { channel.close(promise: nil) }
            return
        }
        current = nil
        exchange.deadline.cancel()
        if received.readableBytes == 0, received.capacity <= Self.keptBufferCapacity {
            received.clear()
        } else {
            received = ByteBuffer()
        }
        if !keepConnection { channel.close(promise: nil) }
        exchange.answer.completeWith(result)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let cancelled = event as? RunnerExchangeCancelled else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Not the exchange in progress: it never started (see `write`), or it ended already.
        guard let current, current.cancellation === cancelled.exchange else { return }
        finish(with: .failure(CancellationError()), channel: context.channel)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(
            with: .failure(RunnerTransportError(beforeSending: false, deadlineExceeded: false, underlying: "\(error)")),
            channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(
            with: .failure(
                RunnerTransportError(beforeSending: false, deadlineExceeded: false, underlying: "the runner closed the connection before a whole answer")),
            channel: context.channel)
        onClose()
        context.fireChannelInactive()
    }
}
