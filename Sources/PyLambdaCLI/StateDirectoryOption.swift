import ArgumentParser
import Dispatcher
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `--state DIR` of `ps` and `gc`: whose runners they look at. `pylambda run` keeps its warm runners in
/// the dispatcher's default directory; a `pylambda serve` keeps its own in its `--state` directory.
struct StateDirectoryOption: ParsableArguments {
    @Option(
        name: .customLong("state"),
        help: ArgumentHelp(
            "The state directory whose runners to use: pylambda run's (default), or a serve's --state directory.",
            valueName: "DIR"),
        transform: StateDirectoryOption.absolute)
    var path: String = DispatcherConfiguration.defaultStateDirectory

    /// A state directory is kept by its absolute path (runner records and Docker's bind mounts name
    /// it), so a relative one is taken from the working directory, as a shell user means it. `.` and
    /// `..` are resolved in the name, not by following links.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var components = FileManager.default.currentDirectoryPath.split(separator: "/").map(String.init)
        for component in path.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(String(component)) }
        }
        return "/" + components.joined(separator: "/")
    }

    /// A directory named with --state must be there: looking at runners must not create one (the
    /// default is made as `pylambda run` would make it).
    func validate() throws {
        var status = stat()
        guard path == DispatcherConfiguration.defaultStateDirectory || (stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR) else {
            throw ValidationError("--state \(path) is not a directory: give a serve's --state directory")
        }
    }
}
