import EmbeddedPython
import Logging

/// The runner's own Python modules (Sources/RunnerServer/Python), compiled into the binary as
/// SwiftPM resources and run once per process, in dependency order.
enum RunnerSupportModule {
    struct Source {
        let name: String
        /// The file name its code is compiled under (tracebacks hide frames of "<pylambda-...>" files).
        let filename: String
        let source: [UInt8]
    }

    static let modules: [Source] = [
        Source(name: "_pylambda_output", filename: "<pylambda-output>", source: PackageResources._pylambda_output_py),
        Source(name: "_pylambda_loading", filename: "<pylambda-loading>", source: PackageResources._pylambda_loading_py),
        Source(name: "_pylambda_runner", filename: "<pylambda-runner>", source: PackageResources._pylambda_runner_py),
    ]

    /// The main module, made (with the modules it imports) on first use, from `codeCache` when it
    /// matches, else from source; later runners in the same process find it in `sys.modules`.
    static func load(_ python: borrowing Python, codeCache: String?, logger: Logger) throws(PythonException) -> PythonObject {
        if let module = try? python.importModule("_pylambda_runner") { return module }
        let version = python.version
        let cached = codeCache.flatMap { SupportCodeCache.read($0, modules: modules, pythonVersion: version) }
        for (index, module) in modules.enumerated() {
            let code: PythonObject
            if let bytes = cached?[index], let unmarshalled = try? python.unmarshal(bytes) {
                code = unmarshalled
            } else {
                code = try python.compile(String(decoding: module.source, as: UTF8.self), filename: module.filename)
            }
            _ = try python.makeModule(named: module.name, code: code, filename: module.filename)
        }
        logger.debug("support modules \(cached == nil ? "compiled from source" : "read from the code cache \(codeCache!)")")
        return try python.importModule("_pylambda_runner")
    }
}
