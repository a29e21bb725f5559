#if canImport(Glibc)
import Glibc
#endif

/// Function source and input data, from a path or `-` for stdin.
enum InputFile {
    struct Unreadable: Error, CustomStringConvertible {
        var path: String
        var description: String { "cannot read \(path)" }
    }

    static func read(_ path: String) throws -> String {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Unreadable(path: path) }
        defer { if fd != 0 { close(fd) } }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 { throw Unreadable(path: path) }
            if count == 0 { break }
            result += buffer[0..<count]
        }
        return String(decoding: result, as: UTF8.self)
    }
}
