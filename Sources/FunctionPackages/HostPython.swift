#if canImport(Glibc)
import Glibc
#endif

/// The host's CPython, where one matches the runner: uv needs some interpreter for its environment
/// queries, and bytecode compiled for the set must come from the runner's minor version (the
/// `.pyc` magic number changes between minors).
struct HostPython {
    let executable: String
    /// `cpython-311`.
    let cacheTag: String

    /// The configured interpreter, else `python3.N` then `python3` on PATH; nil if none runs.
    static func find(configured: String?, target: PythonTarget, environment: [String: String], timeout: Duration) async -> HostPython? {
        let candidates = configured.map { [$0] } ?? ["python3.\(target.pythonMinor)", "python3"].compactMap { which($0, environment: environment) }
        for candidate in candidates {
            // -I: nothing from the working directory, PYTHONPATH or the user's site runs.
            if let tag = try? await ToolVersion.run(
                candidate, ["-I", "-c", "import sys; print(sys.implementation.cache_tag)"], environment: environment, timeout: timeout)
            {
                return HostPython(executable: candidate, cacheTag: tag.trimmingWhitespace)
            }
        }
        return nil
    }

    func matches(_ target: PythonTarget) -> Bool { cacheTag == "cpython-3\(target.pythonMinor)" }

    /// Compiles every `.py` under `directory` to `__pycache__`, with unchecked-hash invalidation so
    /// the files stay valid when the tree is copied or its timestamps change. Compiling parses the
    /// sources; none of them runs. A file that does not compile (Python 2 leftovers in some
    /// packages) is skipped, as import would fail on it anyway. Packages' own `test`/`tests`
    /// directories are skipped too: about half of numpy, never imported by a function, and only
    /// slower (not broken) if one is.
    func compileBytecode(in directory: String, workDirectory: String, environment: [String: String], timeout: Duration) async throws(DependencyError) {
        let skipTests = "^" + Self.regexEscaped(directory) + "/(.*/)?tests?/"
        let outcome = try await ToolProcess(
            executable: executable,
            arguments: ["-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", "-x", skipTests, directory],
            environment: environment, directory: workDirectory, outputFile: workDirectory + "/compileall.log"
        ).run(timeout: timeout)
        // compileall exits 1 when some file did not compile; anything else is a real failure.
        guard outcome.exitCode == 0 || outcome.exitCode == 1 else {
            throw .installFailed(tool: "\(executable) -m compileall", exitCode: outcome.exitCode, output: outcome.output)
        }
    }

    /// `text` as a Python regular expression matching itself.
    static func regexEscaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\.^$*+?{}[]|()".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// `name` on the PATH of `environment`, as an absolute path.
    static func which(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
