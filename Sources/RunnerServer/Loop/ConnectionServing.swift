#if canImport(Glibc)
import Glibc
#endif
import PosixThreads
import RunnerHTTP
import RunnerProtocol

extension RunnerLoop {
    /// Serves a connection as far as it can go now: writes what waits, reads what arrived, answers
    /// every complete request in order (pipelined ones included), and closes it when it is done.
    func serve(_ connection: Connection, thread: inout LoopThread, executor: inout some RequestExecutor) {
        serveAsFarAsPossible(connection, thread: &thread, executor: &executor)
        watchWritable(connection)
    }

    /// Watches the connection for room to write exactly while it has output waiting.
    func watchWritable(_ connection: Connection) {
        let wanted = !connection.output.isEmpty
        guard wanted != connection.watchesWritable, isOpen(connection) else { return }
        let events = wanted ? EventPoll.connectionEventsWithOutput : EventPoll.connectionEvents
        if poll.modify(connection.descriptor, events: events, token: connection.token) {
            connection.watchesWritable = wanted
        } else {
            close(connection)
        }
    }

    private func serveAsFarAsPossible(_ connection: Connection, thread: inout LoopThread, executor: inout some RequestExecutor) {
        while true {
            if !connection.output.isEmpty { connection.flush() }
            if connection.broken {
                close(connection)
                return
            }
            switch connection.phase {
            case .queued, .running:
                return  // its request waits for (or is on) the interpreter thread
            case .closing:
                if connection.output.isEmpty { close(connection) }
                return
            case .lingering(let until, let discarded):
                linger(connection, until: until, discarded: discarded)
                return
            case .reading:
                break
            }
            // Responses go out in order: the next request waits until this one's answer is written.
            guard connection.output.isEmpty else { return }
            if !connection.input.isEmpty {
                var count = connection.input.count
                let progress = connection.decoder.decode(connection.input.requestStart, count: &count)
                connection.input.setCount(count)
                switch progress {
                case .complete(let request):
                    connection.sentContinue = false
                    dispatch(request, on: connection, thread: &thread, executor: &executor)
                    continue
                case .failed(let error):
                    refuse(error, on: connection, thread: &thread)
                    continue
                case .needMore:
                    if let head = connection.decoder.pendingHead, head.expectsContinue, !connection.sentContinue {
                        connection.sentContinue = true
                        let interim = HTTPResponseHead.continueResponse
                        connection.send(UnsafeRawBufferPointer(start: interim.utf8Start, count: interim.utf8CodeUnitCount), UnsafeRawBufferPointer(start: nil, count: 0))
                    }
                }
            }
            if connection.inputPending {
                switch connection.input.read(from: connection.descriptor) {
                case .data(let drained):
                    connection.inputPending = !drained || connection.hangUpReported
                case .wouldBlock:
                    connection.inputPending = false
                case .endOfStream:
                    connection.inputPending = false
                    connection.peerClosed = true
                case .full:
                    refuse(.headTooLarge("the request is larger than the runner reads"), on: connection, thread: &thread)
                case .failed:
                    close(connection)
                    return
                }
                continue
            }
            // Nothing more to read now. A client that closed mid-request will not finish it; a
            // draining runner closes connections that are between requests.
            if connection.peerClosed || (drain != nil && connection.input.isEmpty && connection.decoder.isIdle) {
                close(connection)
            }
            return
        }
    }

    /// Answers a complete request, or hands a /load or /run to `executor`.
    private func dispatch(_ request: HTTPRequest, on connection: Connection, thread: inout LoopThread, executor: inout some RequestExecutor) {
        let bytes = UnsafeRawPointer(connection.input.requestStart)
        let route = Route(request.head, bytes: bytes)
        switch route {
        case .health:
            let body = isLoaded.load(ordering: .relaxed) ? CannedResponse.healthLoaded : CannedResponse.healthNotLoaded
            body.withUnsafeBytes { respond(to: request, on: connection, status: .ok, body: $0, thread: &thread) }
        case .load, .run:
            let arrival = MonotonicInstant.now
            guard let milliseconds = timeoutMilliseconds(of: request, bytes: bytes) else {
                let slice = request.head.timeoutMilliseconds!
                let value = String(decoding: UnsafeRawBufferPointer(start: bytes + slice.offset, count: slice.count), as: UTF8.self)
                respond(to: request, on: connection, canned: CannedResponse.badTimeout(value), thread: &thread)
                return
            }
            let deadline = arrival.advanced(byNanoseconds: UInt64(milliseconds) * 1_000_000)
            executor.execute(request, route: route, on: connection, deadline: deadline, timeout: RequestTimeout(milliseconds: milliseconds), loop: self, thread: &thread)
        case .methodNotAllowed(let path, let allowed):
            respond(to: request, on: connection, canned: CannedResponse.methodNotAllowed(path: path, allowed: allowed), allow: allowed, thread: &thread)
        case .notFound:
            respond(to: request, on: connection, canned: CannedResponse.notFound(), thread: &thread)
        }
    }

    /// The request's `X-Timeout-Ms`, else the configured timeout; nil when the field is malformed.
    private func timeoutMilliseconds(of request: HTTPRequest, bytes: UnsafeRawPointer) -> Int? {
        guard let slice = request.head.timeoutMilliseconds else { return defaultTimeoutMilliseconds }
        guard slice.count > 0, slice.count <= 8 else { return nil }
        var milliseconds = 0
        for offset in slice.offset..<(slice.offset + slice.count) {
            let byte = bytes.load(fromByteOffset: offset, as: UInt8.self)
            guard (0x30...0x39).contains(byte) else { return nil }
            milliseconds = milliseconds * 10 + Int(byte - 0x30)
        }
        guard (1...RunnerConfiguration.maxTimeoutMilliseconds).contains(milliseconds) else { return nil }
        return milliseconds
    }

    /// Extra header fields of a response.
    struct ResponseFields {
        var logTail: String?
        var functionError = false
        var allow: StaticString?

        static let none = ResponseFields()
    }

    /// Writes a response to `request` and drops the request's bytes. Closes after it when the client
    /// asked for that, or when the runner is draining or asked to stop (a `stop()` during a call
    /// whose drain the standby has not begun yet).
    func respond(to request: HTTPRequest, on connection: Connection, status: HTTPStatus, body: UnsafeRawBufferPointer, fields: ResponseFields = .none, thread: inout LoopThread) {
        let keepAlive = request.head.keepAlive && drain == nil && !stopRequested.load(ordering: .relaxed)
        thread.head.begin(status)
        if let tail = fields.logTail { thread.head.field("X-Log-Tail", tail) }
        if fields.functionError { thread.head.field("X-Function-Error", "Unhandled") }
        if let allow = fields.allow { thread.head.field("Allow", UnsafeRawBufferPointer(start: allow.utf8Start, count: allow.utf8CodeUnitCount)) }
        thread.head.finish(contentLength: body.count, persistence: keepAlive ? (request.head.minorVersion == 0 ? .keepAliveHTTP10 : .keepAlive) : .close)
        connection.send(thread.head.bytes, request.head.method == .head ? UnsafeRawBufferPointer(start: nil, count: 0) : body)
        if logsRequests { logRequest(request, status: status, connection: connection) }
        connection.input.consume(request.length)
        if !keepAlive { connection.phase = .closing }
    }

    func respond(to request: HTTPRequest, on connection: Connection, canned: (HTTPStatus, [UInt8]), allow: StaticString? = nil, thread: inout LoopThread) {
        var fields = ResponseFields.none
        fields.allow = allow
        canned.1.withUnsafeBytes { respond(to: request, on: connection, status: canned.0, body: $0, fields: fields, thread: &thread) }
    }

    /// Answers a request that could not be read, then lingers: the rest of the stream cannot be
    /// trusted to say where a next request begins.
    private func refuse(_ error: HTTPRequestError, on connection: Connection, thread: inout LoopThread) {
        let (status, body) = CannedResponse.unreadable(error)
        thread.head.begin(status)
        thread.head.finish(contentLength: body.count, persistence: .close)
        body.withUnsafeBytes { connection.send(thread.head.bytes, $0) }
        if logsRequests { logger.debug("unreadable request: \(status.code) \(error)") }
        connection.input.removeAll()
        connection.decoder.reset()
        connection.phase = connection.peerClosed ? .closing : .lingering(until: .now + Connection.lingerTime, discarded: 0)
    }

    /// Once the refusal is written: shuts the write side and drops what the client still sends, until
    /// it closes, `Connection.lingerBytes` or `until`.
    private func linger(_ connection: Connection, until: MonotonicInstant, discarded: Int) {
        guard connection.output.isEmpty else { return }
        if !connection.writeShutDown {
            connection.writeShutDown = true
            if shutdown(connection.descriptor, Int32(SHUT_WR)) != 0 {
                close(connection)
                return
            }
        }
        var discarded = discarded
        while connection.inputPending, !connection.peerClosed {
            switch connection.input.read(from: connection.descriptor) {
            case .data(let drained):
                discarded += connection.input.count
                connection.input.removeAll()
                connection.inputPending = !drained || connection.hangUpReported
            case .wouldBlock:
                connection.inputPending = false
            case .endOfStream, .failed, .full:
                connection.peerClosed = true
            }
        }
        if connection.peerClosed || discarded >= Connection.lingerBytes || MonotonicInstant.now >= until {
            close(connection)
        } else {
            connection.phase = .lingering(until: until, discarded: discarded)
        }
    }

    private func logRequest(_ request: HTTPRequest, status: HTTPStatus, connection: Connection) {
        let bytes = UnsafeRawPointer(connection.input.requestStart)
        let path = String(decoding: UnsafeRawBufferPointer(start: bytes + request.head.path.offset, count: request.head.path.count), as: UTF8.self)
        logger.debug("\(request.head.method) \(path.isEmpty ? "/" : path) \(status.code)")
    }
}
