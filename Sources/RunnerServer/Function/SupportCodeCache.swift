#if canImport(Glibc)
import Glibc
#endif
import EmbeddedPython

/// The support modules' bytecode, stored once beside the binary (the runner image makes it at build
/// time with `swift-runner --write-code-cache`), so that a cold start unmarshals it instead of
/// compiling the sources: compiling them is about a quarter of the runner's own start-up.
///
/// The cache holds each module's source next to its bytecode, and the CPython version that compiled
/// it: it is used only when both match the embedded sources and the running CPython exactly, so a
/// stale or foreign file costs a compile, never wrong code.
///
/// Format: a header line, the CPython version, then per module its name, its source and its marshalled
/// code object, each as a little-endian UInt32 length and bytes.
enum SupportCodeCache {
    static let header = Array("pylambda support code 1\n".utf8)

    /// Each module's marshalled code object, in `modules` order; nil if the file is missing or was not
    /// made from these sources by this CPython.
    static func read(_ path: String, modules: [RunnerSupportModule.Source], pythonVersion: String) -> [ArraySlice<UInt8>]? {
        guard let file = readFile(path) else { return nil }
        var reader = Reader(bytes: file)
        guard reader.take(header.count) == header[...],
              let version = reader.field(), version.elementsEqual(pythonVersion.utf8)
        else { return nil }
        var codes: [ArraySlice<UInt8>] = []
        for module in modules {
            guard let name = reader.field(), name.elementsEqual(module.name.utf8),
                  let source = reader.field(), source.elementsEqual(module.source),
                  let marshalled = reader.field()
            else { return nil }
            codes.append(marshalled)
        }
        return codes
    }

    /// Compiles the modules and writes the cache (atomically: a temporary file, then a rename).
    static func write(_ path: String, modules: [RunnerSupportModule.Source], _ python: borrowing Python) throws -> Int {
        var file = header
        func append(_ field: some Collection<UInt8>) {
            withUnsafeBytes(of: UInt32(field.count).littleEndian) { file.append(contentsOf: $0) }
            file.append(contentsOf: field)
        }
        append(Array(python.version.utf8))
        for module in modules {
            append(Array(module.name.utf8))
            append(module.source)
            append(try python.marshal(try python.compile(String(decoding: module.source, as: UTF8.self), filename: module.filename)))
        }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty { mkdir(directory, 0o755) }
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw RunnerStartError.system("open \(temporary)", errno) }
        let written = file.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == file.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RunnerStartError.system("write \(path)", errno)
        }
        return file.count
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_size > 0, status.st_size < 16 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return count == bytes.count ? bytes : nil
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func field() -> ArraySlice<UInt8>? {
            guard let length = take(4) else { return nil }
            let count = length.reversed().reduce(0) { $0 << 8 | Int($1) }
            return take(count)
        }
    }
}
