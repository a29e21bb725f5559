import LambdaProtocol
import Testing

/// `stackTrace` as Lambda's Python runtime gives it, from the runner's traceback lines.
@Suite struct LambdaStackTraceTests {
    /// One entry per frame of the exception raised last: a chained exception's first traceback,
    /// the header and the exception's own line are not frames.
    @Test func framesOfTheLastExceptionOnly() {
        let lines = [
            "Traceback (most recent call last):",
            "  File \"/var/task/app.py\", line 3, in lookup",
            "    return table[key]",
            "           ~~~~~^^^^^",
            "KeyError: 'n'",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            "  File \"/var/task/app.py\", line 8, in handler",
            "    lookup(event)",
            "  File \"/var/task/app.py\", line 5, in lookup",
            "    raise ValueError('no n')",
            "ValueError: no n",
        ]
        #expect(LambdaFunctionError.stackTrace(fromPythonTraceback: lines) == [
            "  File \"/var/task/app.py\", line 8, in handler\n    lookup(event)\n",
            "  File \"/var/task/app.py\", line 5, in lookup\n    raise ValueError('no n')\n",
        ])
        let recursion = [
            "Traceback (most recent call last):",
            "  File \"/var/task/app.py\", line 2, in down",
            "    return down(n + 1)",
            "           ^^^^^^^^^^^",
            "  [Previous line repeated 996 more times]",
            "  File \"/var/task/app.py\", line 1, in down",
            "    def down(n):",
            "RecursionError: maximum recursion depth exceeded",
        ]
        #expect(LambdaFunctionError.stackTrace(fromPythonTraceback: recursion) == [
            "  File \"/var/task/app.py\", line 2, in down\n    return down(n + 1)\n           ^^^^^^^^^^^\n",
            "  [Previous line repeated 996 more times]\n",
            "  File \"/var/task/app.py\", line 1, in down\n    def down(n):\n",
        ], "a recursion keeps its frames after the repeat line")
        #expect(LambdaFunctionError.stackTrace(fromPythonTraceback: []) == [])
        #expect(LambdaFunctionError.stackTrace(fromPythonTraceback: ["ValueError: no frames"]) == [])
    }
}
