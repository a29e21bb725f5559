/// Installs requirements as wheels for the runner's platform into an empty directory, and pins the
/// result. The seam between the store (layout, locking, limits, checks) and the tools.
protocol DependencyInstaller: Sendable {
    /// `uv 0.13.9`, `pip 23.2.1`: recorded in each set's metadata.
    func toolVersion(environment: [String: String], timeout: Duration) async throws(DependencyError) -> String
    /// Installs into `request.sitePackages` and returns the lock: `name==version` lines, each with
    /// `--hash=sha256:` of its wheel.
    func install(_ request: InstallRequest) async throws(DependencyError) -> String
}

struct InstallRequest {
    let requirements: Requirements
    let target: PythonTarget
    let settings: IndexSettings
    /// Empty; becomes the set's `site-packages`.
    let sitePackages: String
    /// Scratch space for input files and the tool's output; the tool's working directory.
    let workDirectory: String
    let cacheDirectory: String
    /// A host CPython for uv's environment queries, if one was found.
    let python: String?
    let timeout: Duration

    /// The tool's environment: the user's (scrubbed, see `IndexSettings`) plus what keeps the tools
    /// from fetching interpreters, reading config files or drawing progress bars.
    var environment: [String: String] {
        var environment = settings.environment
        environment["UV_PYTHON_DOWNLOADS"] = "never"
        environment["UV_NO_PROGRESS"] = "1"
        environment["NO_COLOR"] = "1"
        environment["PIP_CONFIG_FILE"] = "/dev/null"
        environment["PIP_NO_INPUT"] = "1"
        environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        return environment
    }

    func tool(_ executable: String, _ arguments: [String], output: String) -> ToolProcess {
        ToolProcess(
            executable: executable, arguments: arguments, environment: environment, directory: workDirectory,
            outputFile: workDirectory + "/" + output)
    }
}
