/// `X-Amz-Log-Result` (`LogType=Tail`), before its base64: the call's log as Lambda writes it, with
/// the `START`, `END` and `REPORT` lines that tools and people read a call's duration from, cut to
/// its last 4 KiB as Lambda cuts it.
public struct LambdaLogResult: Sendable, Equatable {
    public var requestID: String
    /// `$LATEST` or the version's number.
    public var version: String
    /// What the function printed (its last 4 KiB), and the error Lambda's runtime logs after it.
    public var output: String
    /// From when the call got its runner to its end.
    public var durationMS: Double
    public var memoryMB: Int

    /// Lambda's limit on the log it returns.
    public static let maxBytes = 4096

    public init(requestID: String, version: String, output: String, durationMS: Double, memoryMB: Int) {
        self.requestID = requestID
        self.version = version
        self.output = output
        self.durationMS = durationMS
        self.memoryMB = memoryMB
    }

    /// The log's text, its last `maxBytes` bytes at most (a character cut in two at the start is left
    /// out). Lambda's `Max Memory Used` and `Init Duration` are not given: PyLambda does not measure them.
    public var text: String {
        let output = self.output.isEmpty || self.output.hasSuffix("\n") ? self.output : self.output + "\n"
        let billed = max(1, Int(durationMS.rounded(.up)))
        let log = """
            START RequestId: \(requestID) Version: \(version)
            \(output)END RequestId: \(requestID)
            REPORT RequestId: \(requestID)\tDuration: \(Self.twoDecimals(durationMS)) ms\tBilled Duration: \(billed) ms\tMemory Size: \(memoryMB) MB\t

            """
        let bytes = Array(log.utf8)
        guard bytes.count > Self.maxBytes else { return log }
        var start = bytes.count - Self.maxBytes
        // Not in the middle of a UTF-8 sequence: continuation bytes are 10xxxxxx.
        while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
