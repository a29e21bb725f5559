/// POSIX ustar with GNU long names, which is what Docker's Go `archive/tar` reads.
struct TarWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append(path: String, type: Character, mode: Int, contents: [UInt8], linkName: String = "") {
        let name = Array(path.utf8)
        if name.count > 99 {
            var longName = name
            longName.append(0)
            writeHeader(name: Array("././@LongLink".utf8), type: "L", mode: 0, size: longName.count, linkName: [])
            writeData(longName)
        }
        writeHeader(name: Array(name.prefix(99)), type: type, mode: mode, size: contents.count, linkName: Array(linkName.utf8))
        writeData(contents)
    }

    mutating func finish() {
        bytes += [UInt8](repeating: 0, count: 1024)
    }

    private mutating func writeData(_ data: [UInt8]) {
        bytes += data
        let remainder = data.count % 512
        if remainder != 0 { bytes += [UInt8](repeating: 0, count: 512 - remainder) }
    }

    private mutating func writeHeader(name: [UInt8], type: Character, mode: Int, size: Int, linkName: [UInt8]) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ value: [UInt8], at offset: Int, length: Int) {
            for (index, byte) in value.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, length: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0, length: 100)
        put(octal(mode, length: 8), at: 100, length: 8)
        put(octal(0, length: 8), at: 108, length: 8)
        put(octal(0, length: 8), at: 116, length: 8)
        put(octal(size, length: 12), at: 124, length: 12)
        put(octal(0, length: 12), at: 136, length: 12)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148, length: 8)
        header[156] = UInt8(ascii: type.unicodeScalars.first!)
        put(linkName, at: 157, length: 100)
        put(Array("ustar".utf8) + [0], at: 257, length: 6)
        put(Array("00".utf8), at: 263, length: 2)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(checksum, length: 7) + [UInt8(ascii: " ")], at: 148, length: 8)
        bytes += header
    }
}
