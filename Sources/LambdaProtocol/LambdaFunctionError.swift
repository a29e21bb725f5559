/// A function's failure, as Lambda returns it in the body of a 200 with `X-Amz-Function-Error`.
public struct LambdaFunctionError: Codable, Sendable, Equatable {
    public var errorMessage: String
    public var errorType: String
    public var stackTrace: [String]
    public init(errorMessage: String, errorType: String, stackTrace: [String]) {
        self.errorMessage = errorMessage
        self.errorType = errorType
        self.stackTrace = stackTrace
    }

    /// Lambda's `stackTrace` from a Python traceback's lines (`traceback.format_exception`, as the
    /// runner reports them): one entry per frame of the exception raised last (its `File ..., line
    /// ..., in ...` line and the lines under it), as Lambda's runtime gives `traceback.format_list`,
    /// without the `Traceback (most recent call last):` header, the exception's own line, or the
    /// tracebacks of the exceptions it was raised while handling.
    public static func stackTrace(fromPythonTraceback lines: [String]) -> [String] {
        let header = "Traceback (most recent call last):"
        let last = lines.lastIndex { $0.trimmingSuffix("\n") == header }.map { $0 + 1 } ?? lines.startIndex
        var frames: [String] = []
        for line in lines[last...] {
            let text = line.trimmingSuffix("\n")
            if text.hasPrefix("  File ") || text.hasPrefix("  [Previous line repeated ") {
                // A recursion's repeats are one entry of their own, as `format_list` gives them.
                frames.append(text + "\n")
            } else if text.hasPrefix("    "), !frames.isEmpty {
                frames[frames.count - 1] += text + "\n"
            } else {
                break
            }
        }
        return frames
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : Substring(self)
    }
}
