import ArgumentParser
import Dispatcher

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
            valueName: "DIR"))
    var path: String = DispatcherConfiguration.defaultStateDirectory

    /// A directory named with --state must be there: looking at runners must not create one (the
    /// default is made as `pylambda run` would make it).
    func validate() throws {
        var status = stat()
        guard path == DispatcherConfiguration.defaultStateDirectory || (stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR) else {
            throw ValidationError("--state \(path) is not a directory: give a serve's --state directory")
        }
    }
}
