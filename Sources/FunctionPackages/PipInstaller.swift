#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Installs with `python -I -m pip install --target`, for hosts without uv. `--only-binary=:all:`
/// with `--platform` (every manylinux tag up to the runner's, since pip matches them exactly),
/// `--implementation cp`, `--python-version` and `--abi` means pip only ever unpacks wheels for the
/// runner and never builds or runs a package's code. `--no-compile` leaves bytecode to the store,
/// `-I` keeps the working directory and `PYTHONPATH` out of pip's own imports, `PIP_CONFIG_FILE`
/// is `/dev/null` so pip.conf files do not apply. The lock comes from `--report`.
struct PipInstaller: DependencyInstaller {
    let python: String

    func toolVersion(environment: [String: String], timeout: Duration) async throws(DependencyError) -> String {
        let output = try await ToolVersion.run(python, ["-I", "-m", "pip", "--version"], environment: environment, timeout: timeout)
        return output.split(separator: " ").prefix(2).joined(separator: " ")
    }

    func install(_ request: InstallRequest) async throws(DependencyError) -> String {
        // pip holds to --only-binary only what it finds on an index: a wheel named by URL may require
        // an sdist by URL, and an index or links page of the requirements' choosing may link one, and
        // pip builds those (runs their code). uv refuses to build either way.
        if !request.requirements.directReferences.isEmpty || !request.requirements.options.isEmpty {
            throw .installerUnavailable(
                "pip cannot hold direct references or index options in a requirements file to wheels only (it would build an sdist they lead to): install uv, or take them out")
        }
        let work = request.workDirectory
        let input = work + "/requirements.in"
        let report = work + "/report.json"
        try StoreFile.write(input, request.requirements.requirements.map { $0 + "\n" }.joined())
        var arguments = [
            "-I", "-X", "utf8", "-m", "pip", "install", "--quiet", "--no-input", "--disable-pip-version-check", "--no-compile",
            "--no-warn-script-location", "--target", request.sitePackages, "--cache-dir", request.cacheDirectory,
            "--only-binary=:all:", "--implementation", "cp", "--python-version", request.target.pythonVersion,
            "--abi", request.target.pythonTag, "--report", report,
        ]
        for platform in request.target.pipPlatforms { arguments += ["--platform", platform] }
        arguments += request.settings.arguments + ["--requirement", input]
        let outcome = try await request.tool(python, arguments, output: "install.log").run(timeout: request.timeout)
        guard outcome.exitCode == 0 else {
            if let match = outcome.output.firstMatch(of: /No matching distribution found for ([A-Za-z0-9._\-]+)/) {
                throw .noMatchingDistribution(
                    name: RequirementLine.normalize(String(match.1)), target: "\(request.target.pythonTag) \(request.target.platformTag)")
            }
            throw .installFailed(tool: "pip install", exitCode: outcome.exitCode, output: outcome.output)
        }
        return try Self.lock(fromReport: StoreFile.read(report))
    }

    private struct Report: Decodable {
        struct Item: Decodable {
            struct Metadata: Decodable {
                let name: String
                let version: String
            }
            struct DownloadInfo: Decodable {
                struct ArchiveInfo: Decodable { let hashes: [String: String]? }
                let url: String
                let archive_info: ArchiveInfo?
            }
            let metadata: Metadata
            let download_info: DownloadInfo
        }
        let install: [Item]
    }

    /// `name==version --hash=sha256:...` per installed wheel, sorted, in pip's own hash format.
    static func lock(fromReport json: String) throws(DependencyError) -> String {
        let report: Report
        do { report = try JSONDecoder().decode(Report.self, from: Data(json.utf8)) } catch {
            throw .installFailed(tool: "pip install", exitCode: 0, output: "its --report could not be read: \(error)")
        }
        return report.install.map { item in
            let name = RequirementLine.normalize(item.metadata.name)
            let hash = item.download_info.archive_info?.hashes?["sha256"].map { " \\\n    --hash=sha256:\($0)" } ?? ""
            return "\(name)==\(item.metadata.version)\(hash)\n"
        }.sorted().joined()
    }
}
