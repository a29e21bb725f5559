import Crypto

/// A `requirements.txt`, parsed and normalised so that files that mean the same get the same
/// dependency-set key: comments, blank lines and whitespace go, names are lower-cased and
/// PEP 503-normalised, extras and version clauses are sorted, requirement lines are sorted and
/// deduplicated. Index options stay, in their order (it decides which index wins), because they
/// change what gets installed.
///
/// Only what can be installed from wheels without reading the host's files is accepted: no `-r`,
/// `-c` or `-e`, no local paths or `file:` URLs, no `${VAR}` (pip and uv expand it from the
/// environment, which would send host secrets to an index named by the package).
public struct Requirements: Sendable, Hashable {
    /// Options in canonical form (`--index-url URL`), in the file's order.
    public let options: [String]
    /// Requirement lines in canonical form, sorted.
    public let requirements: [String]
    /// The normalised project name of each requirement, sorted.
    public let names: [String]

    public var isEmpty: Bool { requirements.isEmpty }

    /// Options, then requirements, one per line: what the key hashes and what the store keeps
    /// beside a set as `requirements.txt`.
    public var normalizedText: String {
        (options + requirements).map { $0 + "\n" }.joined()
    }

    public var indexURL: String? { value(of: "--index-url").last }
    public var extraIndexURLs: [String] { value(of: "--extra-index-url") }
    public var findLinks: [String] { value(of: "--find-links") }
    public var noIndex: Bool { options.contains("--no-index") }
    /// Requirements that name their own URL (`name @ https://...`): like index options, they have the
    /// host fetch what the requirements' author chose.
    public var directReferences: [String] { requirements.filter { $0.contains(" @ ") } }

    private func value(of option: String) -> [String] {
        options.compactMap { $0.hasPrefix(option + " ") ? String($0.dropFirst(option.count + 1)) : nil }
    }

    public init(parsing text: String) throws(RequirementsError) {
        // A byte order mark (Windows editors write one) is not part of the first line, as pip reads it.
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        try Self.refuseLineBreaksWithinLines(text)
        var options: [String] = []
        var requirements = Set<String>()
        for (number, line) in Self.logicalLines(text) {
            // Printable ASCII (and tabs) only, as names, versions, markers and percent-encoded URLs
            // are: Swift's checks below read characters, and a character can hold a blank the tools
            // see on its own (U+0600 joins the space after it), so a blank and `-` or `#` could hide
            // from them. Comments are gone by now.
            if let bad = line.unicodeScalars.first(where: { $0 != "\t" && !(0x20...0x7E).contains($0.value) }) {
                throw .invalidRequirement(line: number, text: line, reason: "requirements are ASCII, and this has \(Self.codePoint(bad))")
            }
            if line.contains("${") {
                throw .invalidRequirement(
                    line: number, text: line, reason: "environment variables (${...}) are not expanded here; write the value")
            }
            if line.hasPrefix("-") {
                let option = try Self.option(line, number: number)
                if !options.contains(option) { options.append(option) }
            } else {
                requirements.insert(try RequirementLine(line, number: number).canonical)
            }
        }
        self.options = options
        self.requirements = requirements.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        self.names = Set(self.requirements.map { RequirementLine.name(ofCanonical: $0) }).sorted()
    }

    /// Reads a requirements file's bytes, holding them to `limit`.
    public init(bytes: [UInt8], limit: Int = PackageLimits().maxRequirementsBytes) throws(RequirementsError) {
        guard bytes.count <= limit else { throw .tooLarge(bytes: bytes.count, limit: limit) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        try self.init(parsing: text)
    }

    /// The content address of the set these requirements install to for `target`.
    public func key(for target: PythonTarget) -> DependencySetKey {
        var hasher = SHA256()
        hasher.update(data: Array("pylambda-deps-v1\n\(target.pythonTag)\n\(target.platformTag)\n".utf8))
        hasher.update(data: Array(normalizedText.utf8))
        return DependencySetKey(trusted: PackageDigest.hex(hasher.finalize()))
    }

    /// Only `\n` ends a line here (with an optional `\r` before it), but pip and uv also break lines
    /// at a lone `\r`, and pip (`str.splitlines`) at `\v`, `\f`, `\x1c` to `\x1e`, U+0085, U+2028
    /// and U+2029. One of those inside a line, even in a comment, would start a line the tool reads
    /// and this parser never checked: `six; python_version > "3"\r--no-binary six` would have the
    /// host build (run) a package's code. So no control character but a tab, and no line or
    /// paragraph separator, is taken anywhere. Requirements are only made by parsing, so every line
    /// an installer writes has been through this.
    private static func refuseLineBreaksWithinLines(_ text: String) throws(RequirementsError) {
        for (index, line) in physicalLines(text).enumerated() {
            guard let bad = line.unicodeScalars.first(where: isRefused) else { continue }
            throw .invalidRequirement(
                line: index + 1, text: line,
                reason: "it holds the control character or line separator \(codePoint(bad)), which installers read as a line break")
        }
    }

    /// `U+000D`: how a refused character is named in a message.
    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
    }

    private static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: true
        default: false
        }
    }

    /// The text's lines, split at each `\n`, each without the `\r` of a `\r\n`. (Split by scalars:
    /// as `Character`s, `\r\n` is one, which is not `\n`.)
    private static func physicalLines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars in
            var line = String.UnicodeScalarView(scalars)
            if line.last == "\r" { line.removeLast() }
            return String(line)
        }
    }

    /// Lines with continuations joined and comments stripped, with their first line number.
    private static func logicalLines(_ text: String) -> [(Int, String)] {
        var result: [(Int, String)] = []
        var pending = ""
        var start = 0
        for (index, physicalLine) in physicalLines(text).enumerated() {
            var line = physicalLine
            if pending.isEmpty { start = index + 1 }
            // pip's rule: `#` starts a comment at the start of a line or after whitespace, so a
            // URL's `#fragment` survives.
            line = stripComment(line)
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let joined = (pending + line).trimmingWhitespace
            pending = ""
            if !joined.isEmpty { result.append((start, joined)) }
        }
        let last = pending.trimmingWhitespace
        if !last.isEmpty { result.append((start, last)) }
        return result
    }

    private static func stripComment(_ line: String) -> String {
        var previousIsSpace = true
        for index in line.indices {
            let character = line[index]
            if character == "#" && previousIsSpace { return String(line[..<index]) }
            previousIsSpace = character == " " || character == "\t"
        }
        return line
    }

    private static func option(_ line: String, number: Int) throws(RequirementsError) -> String {
        let (name, value) = splitOption(line)
        switch name {
        case "-i", "--index-url", "--extra-index-url":
            let canonical = name == "-i" ? "--index-url" : name
            guard let value, value.hasPrefix("https://") || value.hasPrefix("http://"), !value.contains(" ") else {
                throw .invalidRequirement(line: number, text: line, reason: "\(canonical) takes one http(s) URL")
            }
            return "\(canonical) \(value)"
        case "-f", "--find-links":
            // Only URLs: a local path would have the host read its own directories on behalf of
            // whoever wrote the file. Local wheel directories go in PIP_FIND_LINKS/UV_FIND_LINKS.
            guard let value, !value.contains(" "), value.hasPrefix("https://") || value.hasPrefix("http://") else {
                throw .invalidRequirement(
                    line: number, text: line,
                    reason: "--find-links here takes one http(s) URL; for a local directory of wheels set PIP_FIND_LINKS or UV_FIND_LINKS")
            }
            return "--find-links \(value)"
        case "--no-index":
            guard value == nil else { throw .invalidRequirement(line: number, text: line, reason: "--no-index takes no value") }
            return "--no-index"
        case "-r", "--requirement", "-c", "--constraint":
            throw .unsupportedOption(line: number, option: name, reason: "it would read another file on the host; put its lines in this file")
        case "-e", "--editable":
            throw .unsupportedOption(line: number, option: name, reason: "editable requirements are built from source, and only wheels are installed")
        case "--no-binary", "--only-binary", "--prefer-binary":
            throw .unsupportedOption(line: number, option: name, reason: "dependencies are always installed from wheels only, so no package code runs on the host")
        case "--hash":
            throw .invalidRequirement(line: number, text: line, reason: "--hash belongs on the line of the requirement it pins")
        default:
            throw .unsupportedOption(line: number, option: name, reason: "the dependency store passes on only index settings")
        }
    }

    /// `--opt value`, `--opt=value` or `-ivalue` into name and value.
    private static func splitOption(_ line: String) -> (String, String?) {
        if line.hasPrefix("--") {
            if let equals = line.firstIndex(of: "="), !line[..<equals].contains(" ") {
                return (String(line[..<equals]), String(line[line.index(after: equals)...]).trimmingWhitespace)
            }
            guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (line, nil) }
            return (String(line[..<space]), String(line[space...]).trimmingWhitespace)
        }
        let name = String(line.prefix(2))
        let rest = String(line.dropFirst(2)).trimmingWhitespace
        return (name, rest.isEmpty ? nil : rest)
    }
}

extension String {
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
