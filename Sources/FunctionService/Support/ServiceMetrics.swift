import CoreMetrics
import Prometheus
import Synchronization

/// The service's Prometheus metrics, through swift-metrics with an explicit factory (no process-wide
/// bootstrap), rendered by `GET /metrics`.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let queueDepth: CoreMetrics.Gauge
    private let containers: [String: CoreMetrics.Gauge]
    /// Each label set's handles, made once: making one looks the metric up in the registry by name
    /// and labels (under its lock), which a call would otherwise do three times.
    private let handles = Mutex(Handles())

    /// By the function's registry id, not its name: a deleted function's late calls are told apart
    /// from those of a new function of the same name.
    private struct InvocationKey: Hashable {
        var functionID: Int64
        var outcome: String
    }

    private struct HTTPKey: Hashable {
        var route: String
        var status: Int
    }

    private struct InvocationMetrics {
        var calls: CoreMetrics.Counter
        var duration: CoreMetrics.Timer
        var coldStarts: CoreMetrics.Counter
    }

    /// Bounded as the registry itself is: by the live functions and the routes and statuses.
    private struct Handles {
        var invocations: [InvocationKey: InvocationMetrics] = [:]
        var httpRequests: [HTTPKey: CoreMetrics.Counter] = [:]
        /// Functions deleted through this process (8 bytes each): their late calls are not counted.
        var deletedFunctions: Set<Int64> = []
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        self.factory = factory
        queueDepth = CoreMetrics.Gauge(label: "pylambda_async_queue_depth", factory: factory)
        containers = Dictionary(uniqueKeysWithValues: ["busy", "idle"].map {
            ($0, CoreMetrics.Gauge(label: "pylambda_containers", dimensions: [("state", $0)], factory: factory))
        })
    }

    /// One call of the function `functionID`, named `function`, ended: `outcome` is its status
    /// (`succeeded`, `failed`, `timed_out`, ...).
    func invocation(functionID: Int64, function: String, outcome: String, duration: Duration, coldStart: Bool) {
        let key = InvocationKey(functionID: functionID, outcome: outcome)
        let metrics = handles.withLock { handles -> InvocationMetrics? in
            if let made = handles.invocations[key] { return made }
            if handles.deletedFunctions.contains(functionID) { return nil }
            let made = InvocationMetrics(
                calls: CoreMetrics.Counter(
                    label: "pylambda_invocations_total", dimensions: [("function", function), ("outcome", outcome)], factory: factory),
                duration: CoreMetrics.Timer(label: "pylambda_invocation_duration_seconds", dimensions: [("function", function)], factory: factory),
                coldStarts: CoreMetrics.Counter(label: "pylambda_cold_starts_total", dimensions: [("function", function)], factory: factory))
            handles.invocations[key] = made
            return made
        }
        guard let metrics else { return }
        metrics.calls.increment()
        metrics.duration.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if coldStart { metrics.coldStarts.increment() }
    }

    /// The function was deleted through this process: its series leave `/metrics`, so that a service
    /// that sees many short-lived functions does not keep one set of series per name for good (as
    /// kube-state-metrics drops the series of deleted objects), and its calls still running are not
    /// counted when they end. The name deployed again is a new function, whose series start from zero
    /// (Prometheus reads that as a counter reset). Another serve process sharing the registry keeps
    /// its own series of the function until it restarts.
    func forget(functionID: Int64) {
        handles.withLock { handles in
            handles.deletedFunctions.insert(functionID)
            let keys = handles.invocations.keys.filter { $0.functionID == functionID }
            for key in keys {
                guard let metrics = handles.invocations.removeValue(forKey: key) else { continue }
                // Under the lock, as they are made: a call ending now cannot make them again in
                // between. One function's outcomes share its duration histogram and cold-start
                // counter; unregistering what the registry no longer holds does nothing.
                metrics.calls.destroy()
                metrics.duration.destroy()
                metrics.coldStarts.destroy()
            }
        }
    }

    func httpRequest(route: String, status: Int) {
        let key = HTTPKey(route: route, status: status)
        let counter = handles.withLock { handles in
            if let made = handles.httpRequests[key] { return made }
            let made = CoreMetrics.Counter(
                label: "pylambda_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            handles.httpRequests[key] = made
            return made
        }
        counter.increment()
    }

    /// Read at scrape time.
    func sample(busyContainers: Int, idleContainers: Int, queued: Int) {
        containers["busy"]?.record(busyContainers)
        containers["idle"]?.record(idleContainers)
        queueDepth.record(queued)
    }

    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
