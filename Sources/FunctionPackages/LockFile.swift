/// A lock in requirements format (`name==version \` then `--hash=...` lines), as `uv pip compile
/// --generate-hashes` writes it.
struct LockFile {
    struct Pin {
        let requirement: String
        var hashes: [String]
        var name: String { RequirementLine.name(ofCanonical: requirement) }
    }

    var pins: [Pin]

    init(parsing text: String) {
        var pins: [Pin] = []
        for line in text.split(separator: "\n") {
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init).filter { $0 != "\\" }
            guard let first = tokens.first, !first.hasPrefix("#") else { continue }
            let hashes = tokens.filter { $0.hasPrefix("--hash=") }.map { String($0.dropFirst("--hash=".count)).lowercased() }
            if line.first == " " || line.first == "\t" || first.hasPrefix("--hash=") {
                if !pins.isEmpty { pins[pins.count - 1].hashes += hashes }
            } else {
                pins.append(Pin(requirement: tokens.filter { !$0.hasPrefix("--hash=") }.joined(separator: " "), hashes: hashes))
            }
        }
        self.pins = pins
    }

    var text: String {
        pins.map { pin in
            ([pin.requirement] + pin.hashes.map { "    --hash=\($0)" }).joined(separator: " \\\n") + "\n"
        }.joined()
    }

    /// Keeps, for each project the user pinned with `--hash`, only the hashes the user gave, so
    /// that `--require-hashes` enforces them (the resolver itself does not check them). A project
    /// whose resolved version has none of them is refused, and so are hashes for only some of the
    /// projects installed: as in pip's hash-checking mode, one `--hash` asks for all of them to be
    /// checked, dependencies of dependencies included.
    mutating func restrict(to userHashes: [String: Set<String>]) throws(DependencyError) {
        let unhashed = pins.map(\.name).filter { userHashes[$0] == nil }
        if !unhashed.isEmpty { throw .hashesMissing(names: unhashed.sorted()) }
        for index in pins.indices {
            let allowed = userHashes[pins[index].name, default: []]
            let kept = pins[index].hashes.filter(allowed.contains)
            guard !kept.isEmpty else { throw .hashMismatch(name: pins[index].name, requirement: pins[index].requirement) }
            pins[index].hashes = kept
        }
    }

    /// `--hash` values the requirements give, by project name.
    static func userHashes(_ requirements: Requirements) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for line in requirements.requirements {
            let hashes = line.split(separator: " ").filter { $0.hasPrefix("--hash=") }.map { String($0.dropFirst("--hash=".count)) }
            if !hashes.isEmpty { result[RequirementLine.name(ofCanonical: line), default: []].formUnion(hashes) }
        }
        return result
    }
}
