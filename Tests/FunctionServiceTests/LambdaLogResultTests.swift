import LambdaProtocol
import Testing

/// The log `LogType=Tail` returns: Lambda's lines around the output, cut as Lambda cuts it.
@Suite struct LambdaLogResultTests {
    @Test func theOutputSitsBetweenStartAndEndWithTheReportLast() {
        let log = LambdaLogResult(requestID: "abc", version: "$LATEST", output: "hello", durationMS: 1.234, memoryMB: 128).text
        #expect(log == "START RequestId: abc Version: $LATEST\nhello\nEND RequestId: abc\nREPORT RequestId: abc\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t\n")
        let quick = LambdaLogResult(requestID: "abc", version: "3", output: "", durationMS: 0.2, memoryMB: 128).text
        #expect(quick.hasPrefix("START RequestId: abc Version: 3\nEND RequestId: abc\n") && quick.contains("Duration: 0.20 ms\tBilled Duration: 1 ms"))
    }

    /// At most 4 KiB, the end kept, and never half a character: the output's last 4 KiB plus
    /// Lambda's lines is more than that.
    @Test func aLongLogKeepsItsLast4KiBAndWholeCharacters() {
        for offset in 0..<4 {
            let output = String(repeating: "x", count: offset) + String(repeating: "é€😀", count: 500)
            let log = LambdaLogResult(requestID: "id", version: "$LATEST", output: output, durationMS: 5, memoryMB: 256).text
            #expect(log.utf8.count <= LambdaLogResult.maxBytes && log.utf8.count > LambdaLogResult.maxBytes - 4)
            #expect(!log.unicodeScalars.contains("\u{FFFD}"), "a character cut in two")
            #expect(log.hasSuffix("Memory Size: 256 MB\t\n") && !log.contains("START"))
        }
    }
}
