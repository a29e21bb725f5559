import EmbeddedPython

/// The runner's own Python modules (Sources/RunnerServer/Python), compiled into the binary as
/// SwiftPM resources and run once per process, in dependency order.
enum RunnerSupportModule {
    /// Module name, the file name its code is compiled under (tracebacks hide frames of files named
    /// "<pylambda-...>"), and its source.
    private static let modules: [(name: String, filename: String, source: [UInt8])] = [
        ("_pylambda_output", "<pylambda-output>", PackageResources._pylambda_output_py),
        ("_pylambda_loading", "<pylambda-loading>", PackageResources._pylambda_loading_py),
        ("_pylambda_runner", "<pylambda-runner>", PackageResources._pylambda_runner_py),
    ]

    /// The main module, made (with the modules it imports) on first use; later runners in the same
    /// process find it in `sys.modules`.
    static func load(_ python: borrowing Python) throws(PythonException) -> PythonObject {
        if let module = try? python.importModule("_pylambda_runner") { return module }
        for module in modules {
            _ = try python.makeModule(named: module.name, source: String(decoding: module.source, as: UTF8.self), filename: module.filename)
        }
        return try python.importModule("_pylambda_runner")
    }
}
