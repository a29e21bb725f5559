/// The entry point of a function: `module.function` in a package, or a bare `function` in a single
/// source file. Modules may be dotted (`pkg.sub.main.handler`); every part is an ASCII Python
/// identifier, so a handler can never be a path.
public struct FunctionHandler: Sendable, Hashable, CustomStringConvertible {
    /// Dotted module name; nil for a single file, whose source is the module.
    public let module: String?
    public let function: String

    /// `entrypoint` in a single file (what functions have always had).
    public static let singleFileDefault = FunctionHandler(module: nil, function: "entrypoint")
    /// `main.entrypoint` in a package.
    public static let packageDefault = FunctionHandler(module: "main", function: "entrypoint")

    public init(module: String?, function: String) {
        self.module = module
        self.function = function
    }

    /// Parses `function` or `module.function`. Lambda's `folder/module.function` is the module
    /// `folder.module`, as Lambda's Python runtime reads it (it imports the module part with each
    /// `/` made a `.`); the handler is then written with dots.
    public init(parsing text: String) throws(PackageError) {
        guard !text.isEmpty else { throw .invalidHandler(handler: text, reason: "it is empty") }
        var dotted = text
        if let lastDot = text.lastIndex(of: ".") {
            dotted = String(text[..<lastDot].replacing("/", with: ".") + text[lastDot...])
        }
        let parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for part in parts where !Self.isIdentifier(part) {
            throw .invalidHandler(
                handler: text,
                reason: part.isEmpty
                    ? "it has an empty part (write module.function)"
                    : "\(PackageError.quoted(part)) is not a Python identifier (ASCII letters, digits and _, not starting with a digit)")
        }
        self.function = parts[parts.count - 1]
        self.module = parts.count > 1 ? parts.dropLast().joined(separator: ".") : nil
    }

    public var description: String { module.map { "\($0).\(function)" } ?? function }

    /// Files that would provide `module`: `a/b.py` or `a/b/__init__.py` for `a.b`.
    var moduleFileCandidates: [String] {
        guard let module else { return [] }
        let path = module.split(separator: ".").joined(separator: "/")
        return [path + ".py", path + "/__init__.py"]
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return text.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
    }
}
