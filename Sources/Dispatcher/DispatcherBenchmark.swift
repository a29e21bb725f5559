/// Latency through the dispatcher, for `pylambda bench`: what the dispatcher adds on top of the
/// runner (warm calls), what new code costs with and without a warm pool, and behaviour under 16
/// concurrent callers. Lives in the library so that it measures exactly the code users call.
public enum DispatcherBenchmark {
    public struct Sample: Sendable, CustomStringConvertible {
        public var name: String
        public var count: Int
        /// Seconds.
        public var p50: Double
        public var p99: Double
        public var throughput: Double?

        init(name: String, seconds: [Double], wallSeconds: Double? = nil) {
            let sorted = seconds.sorted()
            self.name = name
            count = sorted.count
            p50 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count / 2)]
            p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.down)))]
            throughput = wallSeconds.map { Double(sorted.count) / $0 }
        }

        public var description: String {
            func ms(_ seconds: Double) -> String {
                let value = (seconds * 100_000).rounded() / 100
                return "\(value) ms"
            }
            let rate = throughput.map { ", \(Int($0)) calls/s" } ?? ""
            return "\(name): p50 \(ms(p50)), p99 \(ms(p99)) (n=\(count)\(rate))"
        }
    }

    /// Runs every measurement; `report` gets each result as it is ready.
    public static func run(
        configuration: DispatcherConfiguration, iterations: Int = 1000, coldSamples: Int = 15,
        report: @Sendable (Sample) -> Void
    ) async throws {
        let code = "def entrypoint(data):\n    return data\n"
        let payload = Array(#"{"n": 1}"#.utf8)
        var warm = configuration
        warm.warmPoolSize = 0
        try await Dispatcher.withDispatcher(configuration: warm) { dispatcher in
            _ = try await dispatcher.run(code: code, data: payload)
            // The runner alone: the same HTTP client and socket, without the pool.
            let lease = try await dispatcher.pool.acquire(
                code: code, codeHash: Dispatcher.sha256(code), function: warm.function)
            var direct: [Double] = []
            for _ in 0..<iterations {
                let started = ContinuousClock.now
                _ = try await dispatcher.runnerClient.run(
                    socketPath: lease.handle.socketPath, data: payload, timeout: warm.function.timeout,
                    grace: .seconds(2), logTail: false)
                direct.append(seconds(ContinuousClock.now - started))
            }
            await dispatcher.pool.release(lease, healthy: true)
            report(Sample(name: "warm call, runner directly      ", seconds: direct))

            var through: [Double] = []
            for _ in 0..<iterations {
                let started = ContinuousClock.now
                _ = try await dispatcher.run(code: code, data: payload)
                through.append(seconds(ContinuousClock.now - started))
            }
            report(Sample(name: "warm call, through dispatcher   ", seconds: through))

            let callers = 16
            let perCaller = max(1, iterations / callers)
            let wallStart = ContinuousClock.now
            let concurrent = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        var times: [Double] = []
                        for _ in 0..<perCaller {
                            let started = ContinuousClock.now
                            _ = try await dispatcher.run(code: code, data: payload)
                            times.append(seconds(ContinuousClock.now - started))
                        }
                        return times
                    }
                }
                var all: [Double] = []
                for try await times in group { all += times }
                return all
            }
            report(
                Sample(
                    name: "16 concurrent callers           ", seconds: concurrent,
                    wallSeconds: seconds(ContinuousClock.now - wallStart)))
        }

        var pooled = configuration
        pooled.warmPoolSize = max(1, configuration.warmPoolSize)
        try await Dispatcher.withDispatcher(configuration: pooled) { dispatcher in
            var times: [Double] = []
            for index in 0..<coldSamples {
                try await waitForWarmRunner(dispatcher)
                let started = ContinuousClock.now
                _ = try await dispatcher.run(code: code + "# new code \(index)\n", data: payload)
                times.append(seconds(ContinuousClock.now - started))
            }
            report(Sample(name: "new code, warm pool             ", seconds: times))
        }

        var bare = configuration
        bare.warmPoolSize = 0
        try await Dispatcher.withDispatcher(configuration: bare) { dispatcher in
            var times: [Double] = []
            for index in 0..<coldSamples {
                let started = ContinuousClock.now
                _ = try await dispatcher.run(code: code + "# cold code \(index)\n", data: payload)
                times.append(seconds(ContinuousClock.now - started))
            }
            report(Sample(name: "new code, no warm pool          ", seconds: times))
        }
    }

    private static func waitForWarmRunner(_ dispatcher: Dispatcher) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if await dispatcher.runners().contains(where: { $0.codeHash == nil && !$0.busy }) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw DispatcherError.runnerStartFailed(reason: "the warm pool did not fill within 30 s")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
