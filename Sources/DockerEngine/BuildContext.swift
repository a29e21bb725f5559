#if canImport(Glibc)
import Glibc
#endif

/// A Docker build context: the directory as a tar stream, minus what `.dockerignore` excludes (the
/// Engine API takes the context as one tar body; there is no CLI here to make it).
public enum BuildContext {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        public var description: String {
            switch self {
            case .unreadable(let path): return "cannot read \(path) for the build context"
            }
        }
    }

    /// Tars `directory`. Patterns from its `.dockerignore` are honored: globs per path component,
    /// `**`, a directory excluding what is under it, `!` re-including, the last match winning.
    public static func archive(directory: String) throws -> [UInt8] {
        let root = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let patterns = ignorePatterns(readBytes(root + "/.dockerignore").map { String(decoding: $0, as: UTF8.self) } ?? "")
        var tar = TarWriter()
        try walk(root: root, relative: "", patterns: patterns, into: &tar)
        tar.finish()
        return tar.bytes
    }

    struct Pattern {
        var glob: String
        var negated: Bool
    }

    static func ignorePatterns(_ text: String) -> [Pattern] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).compactMap { raw in
            var line = String(raw)
            while line.first == " " { line.removeFirst() }
            while line.last == " " { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { return nil }
            let negated = line.hasPrefix("!")
            if negated { line.removeFirst() }
            while line.hasPrefix("/") { line.removeFirst() }
            while line.hasPrefix("./") { line.removeFirst(2) }
            while line.hasSuffix("/") && line.count > 1 { line.removeLast() }
            return Pattern(glob: line, negated: negated)
        }
    }

    static func isExcluded(_ path: String, _ patterns: [Pattern]) -> Bool {
        var excluded = false
        for pattern in patterns where matches(pattern.glob, path) {
            excluded = !pattern.negated
        }
        return excluded
    }

    /// A pattern matches the path or any of its parent directories.
    static func matches(_ glob: String, _ path: String) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        let globParts = glob.split(separator: "/").map(String.init)
        for length in 1...max(1, components.count) where length <= components.count {
            if match(globParts[...], components[0..<length]) { return true }
        }
        return false
    }

    private static func match(_ glob: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = glob.first else { return path.isEmpty }
        if first == "**" {
            for skip in 0...path.count where match(glob.dropFirst(), path.dropFirst(skip)) { return true }
            return false
        }
        guard let component = path.first, fnmatch(first, component, 0) == 0 else { return false }
        return match(glob.dropFirst(), path.dropFirst())
    }

    private static func walk(root: String, relative: String, patterns: [Pattern], into tar: inout TarWriter) throws {
        let directory = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(directory) else { throw Failure.unreadable(directory) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            // Excluded directories are still entered when a later `!` pattern may re-include inside.
            let excluded = isExcluded(path, patterns)
            let full = root + "/" + path
            var info = stat()
            guard lstat(full, &info) == 0 else { throw Failure.unreadable(full) }
            let mode = info.st_mode & S_IFMT
            if mode == S_IFDIR {
                let reincludes = patterns.contains { $0.negated && $0.glob.hasPrefix(path + "/") }
                if excluded && !reincludes { continue }
                if !excluded { tar.append(path: path + "/", type: "5", mode: Int(info.st_mode & 0o7777), contents: []) }
                try walk(root: root, relative: path, patterns: patterns, into: &tar)
            } else if excluded {
                continue
            } else if mode == S_IFREG {
                guard let contents = readBytes(full) else { throw Failure.unreadable(full) }
                tar.append(path: path, type: "0", mode: Int(info.st_mode & 0o7777), contents: contents)
            } else if mode == S_IFLNK {
                var buffer = [CChar](repeating: 0, count: 4096)
                let count = readlink(full, &buffer, buffer.count - 1)
                guard count >= 0 else { throw Failure.unreadable(full) }
                let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                tar.append(path: path, type: "2", mode: 0o777, contents: [], linkName: target)
            }
        }
    }

    private static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
    }
}

