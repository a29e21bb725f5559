import FunctionPackages

#if canImport(Glibc)
import Glibc
#endif

/// Function source, requirements and input data given to the CLI: a path, or `-` for stdin, read
/// by `BoundedFile` (a regular file, or stdin whatever it is, never past `limit`). The text must be
/// UTF-8: a file that is not would be deployed other than it is on disk.
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
        let bytes: [UInt8]
        do {
            bytes = path == "-" ? try BoundedFile.read(descriptor: 0, path: "stdin", limit: limit) : try BoundedFile.read(path: path, limit: limit)
        } catch {
            throw Unreadable(path: path, reason: reason(error, limit: limit))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Unreadable(path: path, reason: "it is not UTF-8 text") }
        return text
    }

    private static func reason(_ error: BoundedFile.Failure, limit: Int) -> String {
        switch error {
        case .notFound: String(cString: strerror(ENOENT))
        case .isDirectory: "it is a directory"
        case .notRegular: "it is not a regular file (a device, FIFO or socket); pipe it to stdin with -"
        case .tooLarge: "it is larger than \(limit >> 20) MiB, the limit"
        case .fileSystem(let error): String(cString: strerror(error.code))
        }
    }
}
