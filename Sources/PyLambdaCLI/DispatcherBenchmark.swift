@_spi(Benchmarking) import Dispatcher

/// Latency through the dispatcher, for `pylambda bench`: what the dispatcher adds on top of the
/// runner (warm calls), what new code costs with and without a warm pool, and behaviour under 16
/// concurrent callers.
enum DispatcherBenchmark {
    struct Sample: Sendable, CustomStringConvertible {
        var name: String
        var count: Int
        /// Seconds.
        var p50: Double
        var p99: Double
        var throughput: Double?

        init(name: String, seconds: [Double], wallSeconds: Double? = nil) {
            let sorted = seconds.sorted()
            self.name = name
            count = sorted.count
            p50 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count / 2)]
            p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.down)))]
            throughput = wallSeconds.map { Double(sorted.count) / $0 }
        }

        var description: String {
            func ms(_ seconds: Double) -> String { "\((seconds * 100_000).rounded() / 100) ms" }
            let rate = throughput.map { ", \(Int($0)) calls/s" } ?? ""
            return "\(name): p50 \(ms(p50)), p99 \(ms(p99)) (n=\(count)\(rate))"
        }

        /// One JSON object, for `bench/bench.py`.
        var json: String {
            let rate = throughput.map { ",\"calls_per_second\":\($0)" } ?? ""
            return "{\"name\":\"\(name.trimmingSpaces)\",\"count\":\(count),\"p50_ms\":\(p50 * 1000),\"p99_ms\":\(p99 * 1000)\(rate)}"
        }
    }

    static func run(
        configuration: DispatcherConfiguration, iterations: Int = 1000, concurrentCalls: Int = 4000, coldSamples: Int = 15,
        report: @Sendable (Sample) -> Void
    ) async throws {
        let source = "def entrypoint(data):\n    return data\n"
        let function = FunctionDefinition(source: source, configuration: configuration.function)
        let payload = Array(#"{"n": 1}"#.utf8)
        var warm = configuration
        warm.warmPoolSize = 0
        try await Dispatcher.withDispatcher(configuration: warm) { dispatcher in
            _ = try await dispatcher.invoke(function, payload: payload)
            let direct = try await dispatcher.withLeasedRunner(function) { call in
                var times: [Double] = []
                for _ in 0..<iterations {
                    let started = ContinuousClock.now
                    _ = try await call(payload)
                    times.append((ContinuousClock.now - started).seconds)
                }
                return times
            }
            report(Sample(name: "warm call, runner directly      ", seconds: direct))

            var through: [Double] = []
            for _ in 0..<iterations {
                let started = ContinuousClock.now
                _ = try await dispatcher.invoke(function, payload: payload)
                through.append((ContinuousClock.now - started).seconds)
            }
            report(Sample(name: "warm call, through dispatcher   ", seconds: through))

            let callers = 16
            let perCaller = max(1, concurrentCalls / callers)
            // Until the pool has every container the function may have, warm: the figure is about
            // calls, not starts. (One call per caller was not enough: most went to the containers
            // already warm, and the rest of the scale-out happened while the calls were measured.)
            let most = function.configuration.concurrency ?? configuration.maxContainersPerFunction
            let deadline = ContinuousClock.now + .seconds(60)
            repeat {
                _ = try await concurrently(callers: callers, calls: 10) { _ = try await dispatcher.invoke(function, payload: payload) }
            } while dispatcher.runners().count(where: { $0.codeHash == function.codeHash }) < most && ContinuousClock.now < deadline
            let wallStart = ContinuousClock.now
            let concurrent = try await concurrently(callers: callers, calls: perCaller) {
                _ = try await dispatcher.invoke(function, payload: payload)
            }
            report(
                Sample(
                    name: "16 concurrent callers           ", seconds: concurrent,
                    wallSeconds: (ContinuousClock.now - wallStart).seconds))
        }

        var pooled = configuration
        pooled.warmPoolSize = max(1, configuration.warmPoolSize)
        try await Dispatcher.withDispatcher(configuration: pooled) { dispatcher in
            var times: [Double] = []
            for index in 0..<coldSamples {
                try await waitForWarmRunner(dispatcher)
                let fresh = FunctionDefinition(source: source + "# new code \(index)\n", configuration: configuration.function)
                let started = ContinuousClock.now
                _ = try await dispatcher.invoke(fresh, payload: payload)
                times.append((ContinuousClock.now - started).seconds)
            }
            report(Sample(name: "new code, warm pool             ", seconds: times))
        }

        var bare = configuration
        bare.warmPoolSize = 0
        try await Dispatcher.withDispatcher(configuration: bare) { dispatcher in
            var times: [Double] = []
            for index in 0..<coldSamples {
                let fresh = FunctionDefinition(source: source + "# cold code \(index)\n", configuration: configuration.function)
                let started = ContinuousClock.now
                _ = try await dispatcher.invoke(fresh, payload: payload)
                times.append((ContinuousClock.now - started).seconds)
            }
            report(Sample(name: "new code, no warm pool          ", seconds: times))
        }
    }

    /// `callers` tasks, each making `calls` calls one after the other; every call's duration.
    private static func concurrently(
        callers: Int, calls: Int, _ call: @escaping @Sendable () async throws -> Void
    ) async throws -> [Double] {
        try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<callers {
                group.addTask {
                    var times: [Double] = []
                    for _ in 0..<calls {
                        let started = ContinuousClock.now
                        try await call()
                        times.append((ContinuousClock.now - started).seconds)
                    }
                    return times
                }
            }
            var all: [Double] = []
            for try await times in group { all += times }
            return all
        }
    }

    private static func waitForWarmRunner(_ dispatcher: Dispatcher) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if dispatcher.runners().contains(where: { $0.codeHash == nil && !$0.busy }) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw DispatcherError.runnerStartFailed(reason: "the warm pool did not fill within 30 s")
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
