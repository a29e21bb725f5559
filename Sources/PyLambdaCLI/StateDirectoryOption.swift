import ArgumentParser
import Dispatcher

/// `--state DIR` of `ps` and `gc`: whose runners they look at. `pylambda run` keeps its warm runners in
/// the dispatcher's default directory; a `pylambda serve` keeps its own in its `--state` directory.
struct StateDirectoryOption: ParsableArguments {
    @Option(
        name: .customLong("state"),
        help: ArgumentHelp(
            "The state directory whose runners to use: pylambda run's (default), or a serve's --state directory.",
            valueName: "DIR"))
    var path: String = DispatcherConfiguration.defaultStateDirectory
}
