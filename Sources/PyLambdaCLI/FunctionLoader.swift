import ArgumentParser
import Dispatcher
import FunctionPackages

/// Reads what `pylambda run` is given (a file, stdin, a package directory or zip), installs its
/// dependencies, and makes the `FunctionDefinition` the dispatcher runs. Errors are printed and
/// become exit status 2 (the input cannot be used, its requirements included) or 3 (the host could not
/// install them).
enum FunctionLoader {
    static func definition(
        of path: String, handler: String?, requirements: String?, environment: [String: String] = [:], cacheDirectory: String,
        configuration: FunctionConfiguration
    ) async throws -> FunctionDefinition {
        let package: FunctionPackage
        do {
            if path == "-" {
                let source = try InputFile.read(path, limit: InputFile.maxSourceBytes)
                let parsed = try handler.map { (text) throws(PackageError) in try FunctionHandler(parsing: text) }
                package = try FunctionPackage(
                    source: Array(source.utf8), fileName: "function.py", handler: parsed,
                    requirements: try requirements.map { try Requirements(bytes: Array(try InputFile.read($0, limit: InputFile.maxRequirementsBytes).utf8)) })
            } else if requirements == "-" {
                let text = try InputFile.read("-", limit: InputFile.maxRequirementsBytes)
                package = try FunctionPackage.load(path: path, handler: handler, requirements: try Requirements(bytes: Array(text.utf8)))
            } else {
                package = try FunctionPackage.load(path: path, handler: handler, requirementsFile: requirements)
            }
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(2)
        }
        let prepared: PackagePreparer.Prepared
        do {
            prepared = try await PackagePreparer(directory: cacheDirectory).prepare(package)
        } catch let error as PackageError {
            StandardError.print("error: \(error)")
            throw ExitCode(2)
        } catch let error as DependencyError where error.isTheRequirementsFault {
            StandardError.print("error: \(error)")
            throw ExitCode(2)
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
        let code: FunctionDefinition.Code
        if let directory = prepared.directory {
            code = .package(directory: directory, digest: package.digest)
        } else {
            code = .source(package.source ?? "")
        }
        return FunctionDefinition(
            code: code, handler: prepared.handler, dependencySet: prepared.dependencySet?.key.rawValue, environment: environment,
            configuration: configuration, identity: FunctionIdentity(name: functionName(of: path), version: "$LATEST"))
    }

    /// `context.function_name`: the file or directory's name without `.py` or `.zip`.
    static func functionName(of path: String) -> String {
        guard path != "-" else { return "stdin" }
        var name = String(path.split(separator: "/").last ?? "function")
        for suffix in [".py", ".zip"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name.isEmpty ? "function" : name
    }
}
