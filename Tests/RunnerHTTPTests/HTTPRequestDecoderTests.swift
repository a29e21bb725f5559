@testable import RunnerHTTP
import Testing

@Suite("The HTTP/1.1 request decoder, case by case")
struct HTTPRequestDecoderTests {
    private func decode(_ text: String, limits: HTTPLimits = HTTPLimits()) -> [ConnectionSimulator.Event] {
        var connection = ConnectionSimulator(limits: limits)
        return connection.receive(Array(text.utf8))
    }

    private func request(_ text: String) throws -> ConnectionSimulator.Decoded {
        let events = decode(text)
        guard events.count == 1, case .request(let decoded) = events[0] else {
            Issue.record("expected one request, got \(events)")
            throw CancellationError()
        }
        return decoded
    }

    @Test
    func aPostWithContentLengthAndTheRunnersFields() throws {
        let decoded = try request("POST /run?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Timeout-Ms: 250\r\nx-log-tail:true \r\nX-INVOCATION-ID:  abc\r\n\r\nhello")
        #expect(decoded == .init(method: .post, path: "/run", minorVersion: 1, keepAlive: true, body: Array("hello".utf8), timeout: "250", logTail: "true", invocationID: "abc"))
    }

    @Test
    func targetsInEveryForm() throws {
        #expect(try request("GET http://runner:8080/healthz?probe HTTP/1.1\r\n\r\n").path == "/healthz")
        #expect(try request("GET HTTP://runner HTTP/1.1\r\n\r\n").path == "")
        #expect(try request("OPTIONS * HTTP/1.1\r\n\r\n").path == "*")
        #expect(try request("GET /a#fragment HTTP/1.1\r\n\r\n").path == "/a")
        #expect(try request("\r\n\r\nGET / HTTP/1.1\r\n\r\n").path == "/", "empty lines before a request are skipped")
        #expect(decode("GET runner/x HTTP/1.1\r\n\r\n") == [.failed(.malformed("the request target must be a path (\"/...\") or an absolute http URI"))])
    }

    @Test
    func persistence() throws {
        #expect(try request("GET / HTTP/1.1\r\n\r\n").keepAlive)
        #expect(try !request("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keepAlive)
        #expect(try !request("GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n").keepAlive)
        #expect(try !request("GET / HTTP/1.0\r\n\r\n").keepAlive)
        #expect(try request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
        #expect(try request("GET / HTTP/1.0\r\n\r\n").minorVersion == 0)
    }

    @Test
    func framingThatCouldBeReadTwoWaysIsRefused() {
        #expect(decode("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") == [.failed(.malformed("a request must not have both Content-Length and Transfer-Encoding"))])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == [.failed(.malformed("chunked is applied more than once"))])
        #expect(decode("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == [.failed(.malformed("HTTP/1.0 has no Transfer-Encoding"))])
        #expect(decode("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == [.failed(.malformed("two Content-Length fields disagree"))])
        #expect(decode("POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n") == [.failed(.malformed("Content-Length must be a decimal number of bytes"))])
        #expect(decode("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n") == [.failed(.malformed("Content-Length must be a decimal number of bytes"))])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == [.failed(.unsupportedTransferCoding("gzip, chunked"))])
        #expect(decode("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == [.failed(.malformed("more than one Host field"))])
        #expect(decode("POST / HTTP/1.1\r\nX-Timeout-Ms: 1\r\nX-Timeout-Ms: 2\r\n\r\n") == [.failed(.malformed("more than one X-Timeout-Ms field"))])
    }

    @Test
    func linesAndFieldsMustBeExact() {
        #expect(decode("GET / HTTP/1.1\nHost: a\r\n\r\n") == [.failed(.malformed("lines must end in CR LF"))])
        #expect(decode("GET / HTTP/1.1\r\nHost: a\n\r\n") == [.failed(.malformed("lines must end in CR LF"))])
        #expect(decode("GET  / HTTP/1.1\r\n\r\n") == [.failed(.malformed("the request target must be one run of visible ASCII characters"))])
        #expect(decode("GET / HTTP/1.1 \r\n\r\n") == [.failed(.malformed("the HTTP version must look like HTTP/1.1"))])
        #expect(decode("GET / HTTP/3.0\r\n\r\n") == [.failed(.unsupportedVersion)])
        #expect(decode("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == [.failed(.malformed("no whitespace is allowed between a header field's name and its colon"))])
        #expect(decode("GET / HTTP/1.1\r\n: a\r\n\r\n") == [.failed(.malformed("a header field must be name \":\" value, with a token for a name"))])
        #expect(decode("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n") == [.failed(.malformed("obsolete line folding (a field line starting with whitespace) is not accepted"))])
        #expect(decode("GET / HTTP/1.1\r\nA: b\u{0}c\r\n\r\n") == [.failed(.malformed("the value of a header field holds a control character"))])
        #expect(decode("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n") == [.failed(.malformed("the value of a header field holds a control character"))])
        #expect(decode("GET /caf\u{E9} HTTP/1.1\r\n\r\n") == [.failed(.malformed("the request target must be one run of visible ASCII characters"))])
    }

    @Test
    func expectContinueOnlyForHTTP11AndOnlyThatExpectation() throws {
        var connection = ConnectionSimulator()
        #expect(connection.receive(Array("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n".utf8)).isEmpty)
        #expect(connection.decoder.pendingHead?.expectsContinue == true)
        #expect(connection.receive(Array("{}".utf8)).count == 1)
        var old = ConnectionSimulator()
        _ = old.receive(Array("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(old.decoder.pendingHead?.expectsContinue == false)
        #expect(decode("POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n") == [.failed(.unsupportedExpectation("200-ok"))])
    }

    @Test
    func limits() {
        var limits = HTTPLimits(maxBodyBytes: 10)
        limits.maxHeadBytes = 100
        limits.maxHeaderFields = 3
        #expect(decode("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits) == [.failed(.bodyTooLarge)])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n", limits: limits) == [.failed(.bodyTooLarge)])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", limits: limits) == [.failed(.bodyTooLarge)])
        #expect(decode("GET / HTTP/1.1\r\nA: \(String(repeating: "b", count: 100))\r\n\r\n", limits: limits) == [.failed(.headTooLarge("the request line and header fields are larger than 100 bytes"))])
        #expect(decode("GET / HTTP/1.1\r\nA: \(String(repeating: "b", count: 100))", limits: limits) == [.failed(.headTooLarge("the request line and header fields are larger than 100 bytes"))], "even before the head ends")
        #expect(decode("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: limits) == [.failed(.headTooLarge("the request has more than 3 header fields"))])
        #expect(decode(String(repeating: "\r\n", count: 60), limits: limits) == [.failed(.headTooLarge("the request line and header fields are larger than 100 bytes"))], "empty lines count too")
    }

    @Test
    func chunkedBodiesWithExtensionsAndTrailers() throws {
        let decoded = try request("POST /run HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;a=b;c\r\nabc\r\n0A\r\n0123456789\r\n0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\n")
        #expect(decoded.body == Array("abc0123456789".utf8))
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n") == [.failed(.malformed("chunk data must be followed by CR LF"))])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n") == [.failed(.malformed("a chunk size must be followed by CR LF or \";\" and extensions"))])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n") == [.failed(.malformed("a trailer field must be name \":\" value"))])
    }
}
