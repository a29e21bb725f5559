/// The interpreter and platform that dependency sets are installed for: the runner's. Wheels are
/// chosen for it, not for the host, and every installed wheel's tags are checked against it.
public struct PythonTarget: Sendable, Hashable {
    /// CPython 3.`minor`.
    public var pythonMinor: Int
    /// The oldest glibc 2.x any runner has: manylinux wheels up to this are accepted.
    public var glibcMinor: Int
    public var architecture: String

    /// The runner image: Debian bookworm (glibc 2.36), CPython 3.11, x86_64.
    public static let runner = PythonTarget(pythonMinor: 11, glibcMinor: 36, architecture: "x86_64")

    public init(pythonMinor: Int, glibcMinor: Int, architecture: String) {
        self.pythonMinor = pythonMinor
        self.glibcMinor = glibcMinor
        self.architecture = architecture
    }

    /// `cp311`.
    public var pythonTag: String { "cp3\(pythonMinor)" }
    /// `3.11`.
    public var pythonVersion: String { "3.\(pythonMinor)" }
    /// `manylinux_2_36_x86_64`.
    public var platformTag: String { "manylinux_2_\(glibcMinor)_\(architecture)" }
    /// uv's `--python-platform`: `x86_64-manylinux_2_36`.
    public var uvPlatform: String { "\(architecture)-manylinux_2_\(glibcMinor)" }
    /// pip's `--platform` values, newest first: pip matches them exactly, so the older manylinux
    /// tags must be listed too.
    public var pipPlatforms: [String] {
        (17...glibcMinor).reversed().map { "manylinux_2_\($0)_\(architecture)" }
            + ["manylinux2014_\(architecture)", "manylinux2010_\(architecture)", "manylinux1_\(architecture)"]
    }

    /// True when a wheel tag (`cp311-cp311-manylinux_2_17_x86_64`, compressed sets like
    /// `py2.py3-none-any` allowed) can be installed on this target.
    public func accepts(wheelTag: String) -> Bool {
        let parts = wheelTag.split(separator: "-").map { $0.split(separator: ".").map(String.init) }
        guard parts.count == 3 else { return false }
        for python in parts[0] {
            for abi in parts[1] where accepts(python: python, abi: abi) {
                if parts[2].contains(where: accepts(platform:)) { return true }
            }
        }
        return false
    }

    private func accepts(python: String, abi: String) -> Bool {
        let minor: Int? =
            python == "py3" ? 0
            : python.hasPrefix("py3") ? Int(python.dropFirst(3))
            : python.hasPrefix("cp3") ? Int(python.dropFirst(3)) : nil
        guard let minor, minor <= pythonMinor else { return false }
        switch abi {
        case "none": return python.hasPrefix("py") || minor == pythonMinor
        case "abi3": return python.hasPrefix("cp")
        case pythonTag: return python == pythonTag
        default: return false
        }
    }

    private func accepts(platform: String) -> Bool {
        if platform == "any" { return true }
        let legacy = ["manylinux1_": 5, "manylinux2010_": 12, "manylinux2014_": 17]
        for (prefix, glibc) in legacy where platform == prefix + architecture {
            return glibc <= glibcMinor
        }
        let parts = platform.split(separator: "_", maxSplits: 3)
        guard parts.count == 4, parts[0] == "manylinux", parts[1] == "2", let glibc = Int(parts[2]), parts[3] == architecture else {
            return false
        }
        return glibc <= glibcMinor
    }
}
