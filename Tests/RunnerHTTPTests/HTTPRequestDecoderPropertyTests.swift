@testable import RunnerHTTP
import Testing

/// Properties over many generated requests. Each case names its seed, so that a failure replays.
@Suite("The HTTP/1.1 request decoder, by property")
struct HTTPRequestDecoderPropertyTests {
    /// A valid request and what it must decode to.
    struct Generated {
        var bytes: [UInt8]
        var expected: ConnectionSimulator.Decoded
    }

    static func generate(_ random: inout SeededGenerator) -> Generated {
        let methods: [(String, HTTPMethod)] = [("GET", .get), ("POST", .post), ("PUT", .put), ("DELETE", .delete), ("PATCH", .patch), ("BREW", .other)]
        let (methodName, method) = methods.randomElement(using: &random)!
        let path = ["/run", "/load", "/healthz", "/", "/a/b%20c"].randomElement(using: &random)!
        let query = Bool.random(using: &random) ? "?q=\(Int.random(in: 0...99, using: &random))" : ""
        let minor: UInt8 = Int.random(in: 0..<5, using: &random) == 0 ? 0 : 1
        let body = (0..<Int.random(in: 0..<300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let chunked = minor == 1 && Bool.random(using: &random)
        var fields: [String] = ["Host: runner"]
        var timeout: String?
        var logTail: String?
        var invocationID: String?
        var close = false
        if Bool.random(using: &random) { timeout = String(Int.random(in: 1...90_000, using: &random)); fields.append("X-Timeout-Ms: \(timeout!)") }
        if Bool.random(using: &random) { logTail = "true"; fields.append("x-LOG-tail:   true  ") }
        if Bool.random(using: &random) { invocationID = "id-\(random.next() % 1000)"; fields.append("X-Invocation-Id:\(invocationID!)") }
        if Int.random(in: 0..<6, using: &random) == 0 { close = true; fields.append("Connection: close") }
        if minor == 0, Bool.random(using: &random) { fields.append("Connection: keep-alive") }
        for index in 0..<Int.random(in: 0..<5, using: &random) { fields.append("X-Filler-\(index): \(String(repeating: "v", count: index * 7))") }
        var encodedBody = body
        if chunked {
            fields.append("Transfer-Encoding: chunked")
            encodedBody = []
            var remaining = body[...]
            while !remaining.isEmpty {
                let size = min(remaining.count, Int.random(in: 1...40, using: &random))
                let extensionText = Bool.random(using: &random) ? ";ext=\(size)" : ""
                encodedBody += Array("\(String(size, radix: 16, uppercase: Bool.random(using: &random)))\(extensionText)\r\n".utf8)
                encodedBody += remaining.prefix(size)
                encodedBody += Array("\r\n".utf8)
                remaining = remaining.dropFirst(size)
            }
            encodedBody += Array("0\r\n".utf8)
            if Bool.random(using: &random) { encodedBody += Array("Trailer: x\r\n".utf8) }
            encodedBody += Array("\r\n".utf8)
        } else if !body.isEmpty || Bool.random(using: &random) {
            fields.append("Content-Length: \(body.count)")
        }
        fields.shuffle(using: &random)
        let head = "\(methodName) \(path)\(query) HTTP/1.\(minor)\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        let keepAlive = minor == 1 ? !close : fields.contains("Connection: keep-alive") && !close
        return Generated(
            bytes: Array(head.utf8) + encodedBody,
            expected: .init(method: method, path: path, minorVersion: minor, keepAlive: keepAlive, body: body, timeout: timeout, logTail: logTail, invocationID: invocationID)
        )
    }

    @Test(arguments: 0..<40)
    func pipelinedRequestsDecodeTheSameHoweverTheBytesAreSplit(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let requests = (0..<Int.random(in: 1...6, using: &random)).map { _ in Self.generate(&random) }
        let stream = requests.flatMap(\.bytes)
        let expected = requests.map { ConnectionSimulator.Event.request($0.expected) }
        for attempt in 0..<8 {
            var connection = ConnectionSimulator()
            var events: [ConnectionSimulator.Event] = []
            var offset = 0
            while offset < stream.count {
                let size = attempt == 0 ? 1 : Int.random(in: 1...max(1, stream.count / 3), using: &random)
                events += connection.receive(stream[offset..<min(offset + size, stream.count)])
                offset += size
            }
            #expect(events == expected, "seed \(seed), attempt \(attempt)")
            #expect(connection.decoder.isIdle)
        }
    }

    /// Whatever a hostile client sends, the decoder answers (a request, a refusal, or "more"), never
    /// traps, never loops, and never points outside the bytes (ConnectionSimulator checks that).
    @Test(arguments: 0..<200)
    func mutatedRequestsNeverBreakTheDecoder(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var bytes = (0..<Int.random(in: 1...3, using: &random)).flatMap { _ in Self.generate(&random).bytes }
        let interesting: [UInt8] = [0x00, 0x0A, 0x0D, 0x20, 0x09, 0x3A, 0x3B, 0x30, 0x66, 0x7F, 0xFF, 0x2C]
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let index = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes[index] = interesting.randomElement(using: &random)!
            case 1: bytes.insert(interesting.randomElement(using: &random)!, at: index)
            case 2: bytes.remove(at: index)
            default: bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if bytes.isEmpty { bytes = [0x0D] }
        }
        var limits = HTTPLimits()
        limits.maxHeadBytes = 256
        limits.maxBodyBytes = 200
        var connection = ConnectionSimulator(limits: limits)
        var offset = 0
        while offset < bytes.count {
            let size = Int.random(in: 1...64, using: &random)
            let events = connection.receive(bytes[offset..<min(offset + size, bytes.count)])
            offset += size
            if case .failed = events.last { break }
        }
    }
}
