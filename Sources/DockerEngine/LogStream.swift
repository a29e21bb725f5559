/// Engine log streams of containers without a TTY: frames of `[stream, 0, 0, 0, size (4 bytes, big
/// endian)]` followed by `size` bytes of stdout (1) or stderr (2).
enum LogStream {
    static func demultiplex(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index + 8 <= bytes.count {
            let size =
                Int(bytes[index + 4]) << 24 | Int(bytes[index + 5]) << 16 | Int(bytes[index + 6]) << 8
                | Int(bytes[index + 7])
            let start = index + 8
            let end = min(start + size, bytes.count)
            output += bytes[start..<end]
            index = end
        }
        // Not framed after all (a TTY container): the bytes are the text.
        if index == 0 && !bytes.isEmpty && bytes[0] > 2 { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: output, as: UTF8.self)
    }
}
