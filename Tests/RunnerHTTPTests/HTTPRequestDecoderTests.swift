import RunnerHTTP
import Testing

/// Decodes `text` in one piece; the result and the bytes (for reading slices).
func decodeWhole(_ text: String, limits: HTTPLimits = HTTPLimits()) -> (HTTPRequestDecoder.Progress, [UInt8]) {
    var bytes = Array(text.utf8)
    var decoder = HTTPRequestDecoder(limits: limits)
    var count = bytes.count
    let progress = bytes.withUnsafeMutableBytes { decoder.decode($0.baseAddress!, count: &count) }
    bytes.removeLast(bytes.count - count)
    return (progress, bytes)
}

func slice(_ bytes: [UInt8], _ slice: ByteSlice?) -> String? {
    guard let slice else { return nil }
    return String(decoding: bytes[slice.offset..<(slice.offset + slice.count)], as: UTF8.self)
}

@Suite("The HTTP/1.1 request decoder")
struct HTTPRequestDecoderTests {
    @Test
    func aPostWithContentLength() throws {
        let (progress, bytes) = decodeWhole("POST /run?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Timeout-Ms: 250\r\nx-log-tail: true\r\nX-Invocation-Id: abc\r\n\r\nhello")
        guard case .complete(let request) = progress else { Issue.record("\(progress)"); return }
        #expect(request.head.method == .post)
        #expect(slice(bytes, request.head.path) == "/run")
        #expect(request.head.keepAlive)
        #expect(request.head.minorVersion == 1)
        #expect(slice(bytes, request.body) == "hello")
        #expect(slice(bytes, request.head.timeoutMilliseconds) == "250")
        #expect(slice(bytes, request.head.logTail) == "true")
        #expect(slice(bytes, request.head.invocationID) == "abc")
        #expect(request.length == bytes.count)
    }
}
