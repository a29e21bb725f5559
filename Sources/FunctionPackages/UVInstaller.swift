#if canImport(Glibc)
import Glibc
#endif

/// Installs with uv in two steps: `uv pip compile --generate-hashes` pins the requirements for
/// the runner's platform (this is where an unknown package or a missing wheel shows), then
/// `uv pip install --require-hashes --no-deps` installs exactly the pins.
///
/// `--no-build` (uv's `--only-binary :all:`) with `--python-platform`/`--python-version` means no
/// sdist is ever built, so no package code runs on the host; `--link-mode copy` keeps the set
/// from sharing inodes with the cache (uv hard-links by default, and the set is made read-only);
/// `--no-config` ignores uv.toml files, so only the settings in `IndexSettings` apply.
struct UVInstaller: DependencyInstaller {
    let executable: String

    func toolVersion(environment: [String: String], timeout: Duration) async throws(DependencyError) -> String {
        let output = try await ToolVersion.run(executable, ["--version"], environment: environment, timeout: timeout)
        return output.split(separator: " ").prefix(2).joined(separator: " ")
    }

    func install(_ request: InstallRequest) async throws(DependencyError) -> String {
        let work = request.workDirectory
        let input = work + "/requirements.in"
        let lock = work + "/requirements.lock"
        // Options are passed as flags (see IndexSettings), so the file holds requirements only.
        try StoreFile.write(input, request.requirements.requirements.map { $0 + "\n" }.joined())
        var common = [
            "--no-config", "--color", "never", "--cache-dir", request.cacheDirectory,
            "--python-platform", request.target.uvPlatform, "--python-version", request.target.pythonVersion, "--no-build",
        ]
        if let python = request.python { common += ["--python", python] }
        common += request.settings.arguments

        let compile = try await request.tool(
            executable,
            ["pip", "compile", "--quiet", "--generate-hashes", "--no-header", "--no-annotate", "--output-file", lock] + common + [input],
            output: "compile.log"
        ).run(timeout: request.timeout)
        guard compile.exitCode == 0 else { throw Self.classify(compile.output, target: request.target) }
        var pinned = LockFile(parsing: try StoreFile.read(lock))
        let userHashes = LockFile.userHashes(request.requirements)
        if !userHashes.isEmpty {
            try pinned.restrict(to: userHashes)
            try StoreFile.write(lock, pinned.text)
        }
        let pins = try StoreFile.read(lock)

        let install = try await request.tool(
            executable,
            ["pip", "install", "--quiet", "--target", request.sitePackages, "--link-mode", "copy", "--require-hashes", "--no-deps"]
                + common + ["--requirement", lock],
            output: "install.log"
        ).run(timeout: request.timeout)
        guard install.exitCode == 0 else {
            throw .installFailed(tool: "uv pip install", exitCode: install.exitCode, output: install.output)
        }
        return pins
    }

    /// Turns uv's resolver message into an error that names the package when it can.
    static func classify(_ output: String, target: PythonTarget) -> DependencyError {
        let platform = "\(target.pythonTag) \(target.platformTag)"
        if let match = output.firstMatch(of: /Because ([A-Za-z0-9._\-]+) was not found in the (package registry|provided package locations)/) {
            return .packageNotFound(name: String(match.1))
        }
        if let match = output.firstMatch(of: /Wheels are required for `([A-Za-z0-9._\-]+)`/) {
            return .noCompatibleWheel(name: String(match.1), target: platform)
        }
        if let match = output.firstMatch(of: /versions of ([A-Za-z0-9._\-]+) have no (usable|compatible) wheels/) {
            return .noCompatibleWheel(name: String(match.1), target: platform)
        }
        return .resolutionFailed(tool: "uv pip compile", output: output)
    }
}

/// `TOOL --version`, first line.
enum ToolVersion {
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], timeout: Duration
    ) async throws(DependencyError) -> String {
        var template = Array("/tmp/pylambda-version-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .fileSystem(FileSystemError(path: "/tmp", operation: "create a temporary file in")) }
        close(fd)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let outcome = try await ToolProcess(
            executable: executable, arguments: arguments, environment: environment, directory: "/", outputFile: path
        ).run(timeout: timeout)
        guard outcome.exitCode == 0 else {
            throw .installerUnavailable("\(executable) \(arguments.joined(separator: " ")) failed: \(outcome.output)")
        }
        return String(outcome.output.split(separator: "\n").first ?? "")
    }
}
