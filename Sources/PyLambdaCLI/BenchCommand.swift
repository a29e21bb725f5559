import ArgumentParser
import Dispatcher

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure call latency through the dispatcher against the real daemon.",
        discussion: "Warm calls (runner directly vs. through the dispatcher, p50/p99), 16 concurrent callers, new code with a warm pool and without one. Uses and removes its own containers. Build with -c release for meaningful numbers."
    )

    @Option(name: .long, help: "Warm calls per measurement.")
    var iterations = 1000

    @Option(name: .long, help: "Calls made by the 16 concurrent callers, all together.")
    var concurrentCalls = 4000

    @Option(name: .long, help: "New-code samples with and without a warm pool.")
    var coldSamples = 15

    @Option(name: .long, help: "Runner image.")
    var image = DispatcherConfiguration.defaultImage

    @Option(name: .long, help: "runc or runsc.")
    var runtime: ContainerRuntime = .runc

    @Flag(name: .long, help: "Print one JSON object per measurement instead of text.")
    var json = false

    func run() async throws {
        var configuration = DispatcherConfiguration()
        configuration.image = image
        configuration.logger.logLevel = .error
        configuration.function.runtime = runtime
        let json = self.json
        do {
            try await DispatcherBenchmark.run(
                configuration: configuration, iterations: iterations, concurrentCalls: concurrentCalls, coldSamples: coldSamples
            ) { sample in
                print(json ? sample.json : sample.description)
            }
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
    }
}
