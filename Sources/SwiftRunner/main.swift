import ArgumentParser
import NIOCore

// One event loop thread does all HTTP and async work (see `EventLoopTaskExecutor`) and the interpreter
// thread does all Python: a runner container gets one CPU, and every extra thread to wake costs
// latency. Set before anything touches NIO's singleton group.
NIOSingletons.groupLoopCountSuggestion = 1

do {
    try await SwiftRunnerCommand.parse().serve()
} catch {
    SwiftRunnerCommand.exit(withError: error)
}
