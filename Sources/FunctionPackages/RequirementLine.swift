/// One PEP 508 requirement line, in canonical form:
/// `name[extra,...]clause,...; marker` or `name[extra,...] @ URL ; marker`, then sorted
/// `--hash=` options. Only names from an index and http(s) URLs are accepted, never paths.
struct RequirementLine {
    let canonical: String

    init(_ line: String, number: Int) throws(RequirementsError) {
        func refuse(_ reason: String) -> RequirementsError { .invalidRequirement(line: number, text: line, reason: reason) }

        // Per-requirement options: only --hash, from the first blank before `--` on (uv ends the
        // requirement at the first one, whichever blank it is).
        var body = line
        var hashes: [String] = []
        let optionStarts = [line.range(of: " --"), line.range(of: "\t--")].compactMap { $0 }
        if let range = optionStarts.min(by: { $0.lowerBound < $1.lowerBound }) {
            body = String(line[..<range.lowerBound])
            let tokens = line[range.lowerBound...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var index = 0
            while index < tokens.count {
                var token = tokens[index]
                if token == "--hash", index + 1 < tokens.count {
                    token = "--hash=" + tokens[index + 1]
                    index += 1
                }
                guard token.hasPrefix("--hash=") else {
                    throw .unsupportedOption(line: number, option: token, reason: "only --hash may follow a requirement")
                }
                let value = token.dropFirst("--hash=".count).lowercased()
                guard let colon = value.firstIndex(of: ":"), ["sha256", "sha384", "sha512"].contains(String(value[..<colon])),
                    value[value.index(after: colon)...].allSatisfy({ $0.isHexDigit }), value.index(after: colon) != value.endIndex
                else { throw refuse("--hash takes algorithm:hex, with sha256, sha384 or sha512") }
                hashes.append("--hash=" + value)
                index += 1
            }
        }
        body = body.trimmingWhitespace

        // pip's `git+https://...` (and hg+, svn+, bzr+): a checkout to build, which nothing here does.
        if let scheme = body.split(separator: ":", maxSplits: 1).first, scheme.contains("+"),
            ["git", "hg", "svn", "bzr"].contains(scheme.prefix { $0 != "+" }.lowercased())
        {
            throw refuse("version-control URLs (\(scheme.prefix { $0 != "+" })+...) are not supported; name a release from the index, or name @ https://.../file.whl")
        }
        let bytes = Array(body.utf8)
        var cursor = 0
        while cursor < bytes.count, Self.isNameByte(bytes[cursor]) { cursor += 1 }
        let rawName = String(decoding: bytes[0..<cursor], as: UTF8.self)
        guard let first = rawName.utf8.first, let last = rawName.utf8.last, Self.isAlphanumeric(first), Self.isAlphanumeric(last) else {
            throw refuse("a requirement names a package from an index (name, name==1.2, name[extra]>=1; or name @ https://.../file.whl); paths and bare URLs are not accepted")
        }
        let lowered = rawName.lowercased()
        if Self.archiveSuffixes.contains(where: { lowered.hasSuffix($0) }) {
            throw refuse("this looks like a local archive; requirements name packages from an index (or name @ https://.../file.whl)")
        }
        var result = Self.normalize(rawName)
        var rest = Substring(body).dropFirst(rawName.count).drop(while: { $0 == " " || $0 == "\t" })

        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw refuse("an extras list is not closed") }
            let extras = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map { String($0).trimmingWhitespace }
            for extra in extras where extra.isEmpty || !extra.utf8.allSatisfy(Self.isNameByte) {
                throw refuse("\(PackageError.quoted(extra)) is not an extra name")
            }
            if !extras.isEmpty { result += "[" + Set(extras.map(Self.normalize)).sorted().joined(separator: ",") + "]" }
            rest = rest[rest.index(after: close)...].drop(while: { $0 == " " || $0 == "\t" })
        }

        var marker: Substring?
        if rest.hasPrefix("@") {
            // A URL ends at whitespace; a marker after it is separated by whitespace and `;`.
            let afterAt = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
            let url = afterAt.prefix(while: { $0 != " " && $0 != "\t" })
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw refuse("a direct reference must be an http(s) URL of a wheel; local paths and file: URLs are not accepted")
            }
            // pip builds an sdist named by a URL whatever --only-binary says.
            guard (url.split(separator: "#").first ?? "").split(separator: "?").first?.lowercased().hasSuffix(".whl") == true else {
                throw refuse("a direct reference must be the URL of a wheel (.whl): only wheels are installed")
            }
            result += " @ " + url
            let after = afterAt.dropFirst(url.count).drop(while: { $0 == " " || $0 == "\t" })
            if after.hasPrefix(";") {
                marker = after.dropFirst()
            } else if !after.isEmpty {
                throw refuse("unexpected text after the URL")
            }
            if let marker { result += " ; " + Self.collapseWhitespace(marker) }
        } else {
            var specifier = rest
            if let semicolon = rest.firstIndex(of: ";") {
                specifier = rest[..<semicolon]
                marker = rest[rest.index(after: semicolon)...]
            }
            var compact = specifier.filter { $0 != " " && $0 != "\t" }
            // pip takes `six==1.0.zip` or `six>=1.tar.gz` for a local archive to build.
            if Self.archiveSuffixes.contains(where: { compact.lowercased().hasSuffix($0) }) {
                throw refuse("this looks like a local archive; requirements name packages from an index (or name @ https://.../file.whl)")
            }
            if compact.hasPrefix("(") && compact.hasSuffix(")") { compact = String(compact.dropFirst().dropLast()) }
            if !compact.isEmpty {
                let clauses = compact.lowercased().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                for clause in clauses where !Self.isVersionClause(clause) {
                    throw refuse("\(PackageError.quoted(clause)) is not a version clause (like ==1.2, >=1,<2, ~=1.4)")
                }
                result += Set(clauses).sorted().joined(separator: ",")
            }
            if let marker {
                let collapsed = Self.collapseWhitespace(marker)
                guard !collapsed.isEmpty else { throw refuse("an empty environment marker follows `;`") }
                result += "; " + collapsed
            }
        }
        // The installers read a blank then `-` as an option, a blank then `#` as a comment, and a
        // final `\` as a line continuation: none may be inside what was checked as one requirement.
        guard !Self.hasOptionCommentOrContinuation(result) else {
            throw refuse("a blank followed by - or #, or a final \\, would be read by the installer as an option, a comment or a continuation")
        }
        if !hashes.isEmpty { result += " " + Set(hashes).sorted().joined(separator: " ") }
        canonical = result
    }

    /// What pip reads as an archive to install from a path.
    static let archiveSuffixes = [
        ".whl", ".zip", ".tar", ".tgz", ".tar.gz", ".tbz", ".tar.bz2", ".txz", ".tlz", ".tar.xz", ".tar.lz", ".tar.lzma",
    ]

    static func hasOptionCommentOrContinuation(_ text: String) -> Bool {
        if text.hasSuffix("\\") { return true }
        var previousIsBlank = false
        for character in text {
            if previousIsBlank && (character == "-" || character == "#") { return true }
            previousIsBlank = character == " " || character == "\t"
        }
        return false
    }

    /// The project name of a canonical line (what precedes extras, clauses or ` @`).
    static func name(ofCanonical line: String) -> String {
        String(line.prefix(while: { $0.isASCII && isNameByte($0.asciiValue!) }))
    }

    /// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
    static func normalize(_ name: String) -> String {
        var result = ""
        var inSeparator = false
        for character in name.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !inSeparator { result.append("-") }
                inSeparator = true
            } else {
                result.append(character)
                inSeparator = false
            }
        }
        return result
    }

    private static func isVersionClause(_ clause: String) -> Bool {
        let operators = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"]
        guard let op = operators.first(where: { clause.hasPrefix($0) }) else { return false }
        let version = clause.dropFirst(op.count)
        return !version.isEmpty && version.utf8.allSatisfy { isAlphanumeric($0) || ".*+!_-".utf8.contains($0) }
    }

    private static func collapseWhitespace(_ text: Substring) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}
