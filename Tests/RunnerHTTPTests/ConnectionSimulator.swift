@testable import RunnerHTTP

/// Feeds bytes to a decoder the way the runner's connections do: appended to one buffer as they
/// arrive, decoded from the current request's first byte, consumed request by request.
struct ConnectionSimulator {
    var decoder: HTTPRequestDecoder
    private var buffer: [UInt8] = []

    init(limits: HTTPLimits = HTTPLimits()) {
        decoder = HTTPRequestDecoder(limits: limits)
    }

    /// What one request looked like, copied out of the buffer.
    struct Decoded: Equatable {
        var method: HTTPMethod
        var path: String
        var minorVersion: UInt8
        var keepAlive: Bool
        var body: [UInt8]
        var timeout: String?
        var logTail: String?
        var invocationID: String?
    }

    enum Event: Equatable {
        case request(Decoded)
        case failed(HTTPRequestError)
    }

    /// Appends `bytes` and decodes every request they complete; stops at the first failure.
    mutating func receive(_ bytes: some Sequence<UInt8>) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        while !buffer.isEmpty {
            var count = buffer.count
            let progress = buffer.withUnsafeMutableBytes { decoder.decode($0.baseAddress!, count: &count) }
            precondition(count <= buffer.count, "the decoder grew the buffer")
            buffer.removeLast(buffer.count - count)
            switch progress {
            case .needMore:
                return events
            case .failed(let error):
                buffer.removeAll()
                events.append(.failed(error))
                return events
            case .complete(let request):
                precondition(request.length <= buffer.count, "a request longer than the bytes")
                precondition(request.body.offset + request.body.count <= request.length, "a body outside its request")
                func text(_ slice: ByteSlice?) -> String? {
                    slice.map { String(decoding: buffer[$0.offset..<($0.offset + $0.count)], as: UTF8.self) }
                }
                events.append(.request(Decoded(
                    method: request.head.method,
                    path: text(request.head.path)!,
                    minorVersion: request.head.minorVersion,
                    keepAlive: request.head.keepAlive,
                    body: Array(buffer[request.body.offset..<(request.body.offset + request.body.count)]),
                    timeout: text(request.head.timeoutMilliseconds),
                    logTail: text(request.head.logTail),
                    invocationID: text(request.head.invocationID)
                )))
                buffer.removeFirst(request.length)
            }
        }
        return events
    }
}

/// SplitMix64: a seeded generator, so that a failing property names its seed and replays.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
