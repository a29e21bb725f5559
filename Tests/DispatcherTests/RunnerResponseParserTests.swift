import Testing

@testable import Dispatcher

/// What the host reads back from a runner's connection: the runner's own shape is read in any split,
/// and anything else a function might write there is refused with a reason.
@Suite struct RunnerResponseParserTests {
    private static func parse(_ text: String, maxBodyBytes: Int = 1 << 20) throws -> (RunnerHTTPResponse, consumed: Int)? {
        var parser = RunnerResponseParser(maxBodyBytes: maxBodyBytes)
        return try Array(text.utf8).withUnsafeBytes { bytes in try parser.parse(bytes) }
    }

    static let runnerAnswer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
        + "Date: Sat, 28 Nov 2026 07:00:00 GMT\r\nX-Log-Tail: aGVsbG8K\r\n\r\n{\"a\":1}"

    @Test func theRunnersAnswerIsReadWholeFromAnySplit() throws {
        let bytes = Array(Self.runnerAnswer.utf8)
        var parser = RunnerResponseParser(maxBodyBytes: 1 << 20)
        // The same parser sees a longer prefix each time, as a connection's buffer grows.
        for end in 0..<bytes.count {
            let partial = try bytes[0..<end].withUnsafeBytes { bytes in try parser.parse(bytes) }
            #expect(partial == nil, "whole after \(end) of \(bytes.count) bytes")
        }
        let whole = try #require(try bytes.withUnsafeBytes { bytes in try parser.parse(bytes) })
        #expect(whole.consumed == bytes.count)
        #expect(whole.0.status == 200)
        #expect(whole.0.body == Array("{\"a\":1}".utf8))
        #expect(whole.0.logTail == "aGVsbG8K")
        #expect(!whole.0.closesConnection)
    }

    @Test func errorStatusesCloseAndBytesAfterTheAnswerAreLeftOver() throws {
        let answer = try #require(
            try Self.parse("HTTP/1.1 500 Internal Server Error\r\nconnection: keep-alive, Close\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 200"))
        #expect(answer.0.status == 500)
        #expect(answer.0.closesConnection)
        #expect(answer.consumed == Array("HTTP/1.1 500 Internal Server Error\r\nconnection: keep-alive, Close\r\ncontent-length: 2\r\n\r\n{}".utf8).count)
        // No reason phrase, and one Content-Length said twice: still the runner's shape.
        #expect(try Self.parse("HTTP/1.1 204\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n")?.0.status == 204)
    }

    @Test(arguments: [
        ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", "status line"),
        ("http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "status line"),
        ("HTTP/1.1 100 Continue\r\n\r\n", "final status"),
        ("HTTP/1.1 600 Nope\r\nContent-Length: 0\r\n\r\n", "final status"),
        ("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", "three digits"),
        ("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "reason phrase"),
        ("HTTP/1.1 200 OK\r\n\r\n", "no Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "two different"),
        ("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", "not a number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", "not a number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", "not a number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n Folded: x\r\n\r\n", "not a token"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n: x\r\n\r\n", "no name"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Bad: a\u{7F}b\r\n\r\n", "visible ASCII"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Bad: é\r\n\r\n", "visible ASCII"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\nX-Bad: a\r\n\r\n", "CR LF"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Bad: a\rb\r\n\r\n", "CR LF"),
    ])
    func answersNotInTheRunnersShapeAreRefused(_ text: String, reason: String) {
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            guard case RunnerResponseError.malformed(let message) = error else { return false }
            return message.contains(reason)
        }
    }

    @Test func aHeadThatNeverEndsIsRefusedAtItsLimit() throws {
        let endless = "HTTP/1.1 200 OK\r\nX-Pad: " + String(repeating: "a", count: RunnerResponseParser.maxHeadBytes)
        #expect(try Self.parse(String(endless.prefix(RunnerResponseParser.maxHeadBytes - 1))) == nil)
        #expect(throws: RunnerResponseError.malformed("its head is longer than \(RunnerResponseParser.maxHeadBytes) bytes")) {
            _ = try Self.parse(endless)
        }
    }

    /// The search for the head's end resumes where the last read left it: a head of exactly the
    /// limit, arriving in pieces, is still found, and one byte more is still refused.
    @Test func aHeadArrivingInPiecesIsFoundUpToItsLimit() throws {
        let status = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: "
        let atLimit = Array((status + String(repeating: "a", count: RunnerResponseParser.maxHeadBytes - status.utf8.count - 4) + "\r\n\r\n").utf8)
        #expect(atLimit.count == RunnerResponseParser.maxHeadBytes)
        for (head, isAccepted) in [(atLimit, true), (Array(atLimit[0..<(atLimit.count - 4)]) + Array("a\r\n\r\n".utf8), false)] {
            var parser = RunnerResponseParser(maxBodyBytes: 1024)
            var outcome: Result<(RunnerHTTPResponse, consumed: Int)?, RunnerResponseError> = .success(nil)
            // Pieces of 1 to 7 bytes, so that the blank line is split in every way along the head.
            var end = 0
            while end < head.count, case .success(.none) = outcome {
                end = min(head.count, end + 1 + end % 7)
                outcome = head[0..<end].withUnsafeBytes { bytes in Result { () throws(RunnerResponseError) in try parser.parse(bytes) } }
            }
            if isAccepted {
                #expect(try outcome.get()?.consumed == head.count)
            } else {
                #expect(throws: RunnerResponseError.malformed("its head is longer than \(RunnerResponseParser.maxHeadBytes) bytes")) {
                    _ = try outcome.get()
                }
            }
        }
    }

    @Test func anAnswerAnnouncingMoreThanTheLimitIsRefusedBeforeItsBody() throws {
        #expect(throws: RunnerResponseError.tooLarge(1000)) {
            _ = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n[", maxBodyBytes: 1000)
        }
        // At the limit: read on, waiting for the rest of the body.
        let atTheLimit = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n[", maxBodyBytes: 1000)
        #expect(atTheLimit == nil)
    }
}
