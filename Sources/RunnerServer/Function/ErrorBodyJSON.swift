import RunnerProtocol

extension ErrorBody {
    /// The body as compact JSON, written by hand: its shape is fixed (strings and a list of strings),
    /// and the runner then needs no JSON encoder of its own (nor Foundation) for its answers.
    var jsonBytes: [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(96 + detail.utf8.count + error.message.utf8.count + error.traceback.reduce(0) { $0 + $1.utf8.count + 3 })
        json.append(contentsOf: #"{"detail":"#.utf8)
        JSONText.appendString(detail, to: &json)
        json.append(contentsOf: #","error":{"type":"#.utf8)
        JSONText.appendString(error.type, to: &json)
        json.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(error.message, to: &json)
        json.append(contentsOf: #","traceback":["#.utf8)
        for (index, line) in error.traceback.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONText.appendString(line, to: &json)
        }
        json.append(contentsOf: "]}}".utf8)
        return json
    }
}

/// JSON string literals (RFC 8259 section 7): quotes, backslashes and control characters escaped,
/// everything else passed through as UTF-8.
enum JSONText {
    static func appendString(_ text: String, to json: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                json.append(contentsOf: Array(#"\u00"#.utf8))
                json.append(hex[Int(byte >> 4)])
                json.append(hex[Int(byte & 0x0F)])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
