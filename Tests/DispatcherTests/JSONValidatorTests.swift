import Testing

@testable import Dispatcher

/// What a runner answers is forwarded only if it is JSON.
@Suite struct JSONValidatorTests {
    @Test(arguments: [
        "1", "-0.5e+3", "\"x\"", "null", "true", "[]", "{}", " {\"a\": [1, 2.5, \"\\u00e9\", null, {}]} ",
        "[\"\\\\\\\"\\/\\b\\f\\n\\r\\t\"]", "\"é😀\"", "0",
    ])
    func valid(_ text: String) {
        #expect(JSONValidator.isValid(Array(text.utf8)), "\(text)")
    }

    @Test(arguments: [
        "", "1, \"admin\": true", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "+1", "NaN", "Infinity", "{a:1}",
        "\"raw\ncontrol\"", "\"\\x\"", "\"\\u12\"", "[1] [2]", "tru", "nul", "\"unterminated", "{\"a\" 1}",
    ])
    func invalid(_ text: String) {
        #expect(!JSONValidator.isValid(Array(text.utf8)), "\(text)")
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        #expect(!JSONValidator.isValid([0x22, 0xFF, 0xFE, 0x22]))
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(!JSONValidator.isValid(deep))
        let fine = Array(repeating: UInt8(ascii: "["), count: 100) + Array(repeating: UInt8(ascii: "]"), count: 100)
        #expect(JSONValidator.isValid(fine))
    }
}
