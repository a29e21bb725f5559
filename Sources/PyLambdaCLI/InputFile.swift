import FunctionPackages

#if canImport(Glibc)
import Glibc
#endif

/// Function source, requirements and input data given to the CLI: a path, or `-` for stdin.
///
/// A path must be a regular file: a FIFO would block the open, and a device such as `/dev/zero`
/// would never end. Stdin may be anything (a pipe, a terminal, a redirected file). Either way at most
/// `limit` bytes are read, and the text must be UTF-8: a file that is not would be deployed other
/// than it is on disk.
enum InputFile {
    struct Unreadable: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot read \(path == "-" ? "stdin" : path): \(reason)" }
    }

    /// One source file: serve's limit (`ServiceConfiguration.Limits.maxSourceBytes`).
    static let maxSourceBytes = 6 << 20
    static let maxRequirementsBytes = PackageLimits().maxRequirementsBytes
    /// A call's input: the runner's own limit is 6 MiB, serve's may be raised; past this the call
    /// could not be sent anyway.
    static let maxDataBytes = 64 << 20

    static func read(_ path: String, limit: Int) throws(Unreadable) -> String {
        let isStandardInput = path == "-"
        let fd = isStandardInput ? 0 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { if !isStandardInput { close(fd) } }
        if !isStandardInput {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw Unreadable(path: path, reason: String(cString: strerror(errno))) }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw Unreadable(path: path, reason: "it is a directory")
            default: throw Unreadable(path: path, reason: "it is not a regular file (a device, FIFO or socket); pipe it to stdin with -")
            }
            guard Int(info.st_size) <= limit else { throw tooLarge(path, limit) }
            // Only opened without blocking, for the FIFO case: a regular file's reads do not block.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    // A stdin inherited non-blocking: wait until it has something.
                    var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&ready, 1, -1)
                    continue
                }
                throw Unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            guard bytes.count + count <= limit else { throw tooLarge(path, limit) }
            bytes += buffer[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Unreadable(path: path, reason: "it is not UTF-8 text") }
        return text
    }

    private static func tooLarge(_ path: String, _ limit: Int) -> Unreadable {
        Unreadable(path: path, reason: "it is larger than \(limit >> 20) MiB, the limit")
    }
}
