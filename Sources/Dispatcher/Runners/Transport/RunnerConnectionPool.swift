import NIOCore
import NIOPosix
import Synchronization

/// Keep-alive connections to runners' Unix sockets, a few idle ones per socket, and the exchanges on
/// them.
///
/// A warm call is one write and one read on a connection that is already open: what makes it cost a
/// few tens of microseconds of the host's CPU. A general HTTP client does much more per request (URL
/// parsing, header objects, a connection-pool state machine, tracing), and its parser accepts all of
/// HTTP where a runner only ever answers in one shape (`RunnerResponseParser`).
///
/// Sockets are connected by path: every directory on the way belongs to the host and is sealed before
/// the host connects (`RunnerDirectory.seal`). Owns its connections: `shutdown()` it.
final class RunnerConnectionPool: Sendable {
    private let group: any EventLoopGroup
    private let idle = Mutex(IdleConnections())
    /// Idle connections kept per socket: one per event loop (see `connection(to:deadline:)`), at
    /// least a few for health checks beside a call, and at most `maxIdleLimit` whatever the cores:
    /// each holds a descriptor in serve and in the runner.
    private let maxIdlePerSocket: Int
    static let maxIdleLimit = 8

    private struct IdleConnections {
        var bySocket: [String: [any Channel]] = [:]
        var isShutDown = false
    }

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
        var loops = 0
        for _ in group.makeIterator() { loops += 1 }
        maxIdlePerSocket = min(max(4, loops), Self.maxIdleLimit)
    }

    /// Sends `request` (a whole HTTP/1.1 request) to the runner at `socketPath` and reads its answer,
    /// all before `deadline`. Throws `RunnerTransportError` (its `beforeSending` is true only when
    /// nothing was written), `RunnerErrorResponse` for an answer too large, or `CancellationError`.
    func exchange(socketPath: String, request: ByteBuffer, deadline: NIODeadline, maxBodyBytes: Int) async throws -> RunnerHTTPResponse {
        let channel = try await connection(to: socketPath, deadline: deadline)
        let answer = channel.eventLoop.makePromise(of: RunnerHTTPResponse.self)
        let exchange = RunnerExchange(request: request, deadline: deadline, maxBodyBytes: maxBodyBytes, answer: answer)
        // The handler succeeds the write as soon as it holds the exchange. A write that fails never
        // reached it (the connection closed and its pipeline is gone), so nothing was sent, and the
        // answer would otherwise never come.
        let handedOver = channel.eventLoop.makePromise(of: Void.self)
        handedOver.futureResult.whenFailure { error in
            answer.fail(RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: "the connection had closed: \(error)"))
        }
        let response = try await withTaskCancellationHandler {
            channel.writeAndFlush(exchange, promise: handedOver)
            return try await answer.futureResult.get()
        } onCancel: {
            exchange.cancellation.cancel()
            channel.pipeline.fireUserInboundEventTriggered(RunnerExchangeCancelled(exchange: exchange.cancellation))
        }
        if !response.closesConnection { giveBack(channel, socketPath: socketPath) }
        return response
    }

    /// Closes the idle connections; later exchanges fail as if the runner were gone.
    func shutdown() async {
        let channels = idle.withLock { idle in
            idle.isShutDown = true
            defer { idle.bySocket = [:] }
            return idle.bySocket.values.flatMap { $0 }
        }
        for channel in channels { try? await channel.close() }
    }

    private func connection(to socketPath: String, deadline: NIODeadline) async throws -> any Channel {
        // A caller on an event loop (`pylambda serve` calls from its connections' loops) uses a
        // connection on that loop, and opens one there if it has none: an exchange on another loop's
        // connection wakes that loop's thread for the request and the answer, and hops back, which
        // cost a busy serve on two cores about a tenth of its calls. Other callers take any.
        let onLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
        let reused: (any Channel)?? = idle.withLock { idle in
            guard !idle.isShutDown else { return .none }
            guard var channels = idle.bySocket.removeValue(forKey: socketPath) else { return .some(nil) }
            defer { if !channels.isEmpty { idle.bySocket[socketPath] = channels } }
            while let index = channels.lastIndex(where: { $0.eventLoop.inEventLoop }) ?? (onLoop ? nil : channels.indices.last) {
                let channel = channels.remove(at: index)
                if channel.isActive { return .some(channel) }
            }
            return .some(nil)
        }
        switch reused {
        case .none:
            throw RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: "the dispatcher is shutting down")
        case .some(let channel?):
            return channel
        case .some(nil):
            break
        }
        let remaining = deadline - .now()
        guard remaining > .zero else {
            throw RunnerTransportError(beforeSending: true, deadlineExceeded: true, underlying: "no time left to connect")
        }
        // On the caller's event loop when it is on one, for the same reason.
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.currentEventLoop ?? group.next())
            .connectTimeout(remaining)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RunnerExchangeHandler { [weak self, weak channel] in
                        guard let self, let channel else { return }
                        self.forget(channel, socketPath: socketPath)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            return try await bootstrap.connect(unixDomainSocketPath: socketPath).get()
        } catch {
            // Nothing was written: another runner may be tried.
            throw RunnerTransportError(beforeSending: true, deadlineExceeded: false, underlying: "cannot connect to \(socketPath): \(error)")
        }
    }

    private func giveBack(_ channel: any Channel, socketPath: String) {
        var evicted: (any Channel)?
        let kept = idle.withLock { idle in
            // A connection closing now is either seen inactive here, or dropped by `forget` after
            // this (its `channelInactive` comes after `isActive` turns false, and takes this lock).
            guard !idle.isShutDown, channel.isActive else { return false }
            var channels = idle.bySocket[socketPath, default: []]
            if channels.count >= maxIdlePerSocket {
                // Full: the returning connection stays if its loop has no other (the loop's next call
                // wants it), in place of the oldest.
                guard !channels.contains(where: { $0.eventLoop === channel.eventLoop }) else { return false }
                evicted = channels.removeFirst()
            }
            channels.append(channel)
            idle.bySocket[socketPath] = channels
            return true
        }
        evicted?.close(promise: nil)
        if !kept { channel.close(promise: nil) }
    }

    /// A closed connection leaves the idle ones (a removed runner's connections must not pile up).
    private func forget(_ channel: any Channel, socketPath: String) {
        idle.withLock { idle in
            guard var channels = idle.bySocket[socketPath] else { return }
            channels.removeAll { $0 === channel }
            idle.bySocket[socketPath] = channels.isEmpty ? nil : channels
        }
    }
}
