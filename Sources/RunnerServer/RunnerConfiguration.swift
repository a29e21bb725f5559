import RunnerProtocol

/// Everything a runner can be told, with the defaults it uses when it is told nothing.
public struct RunnerConfiguration: Sendable {
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): "\(host):\(port)"
            case .unixSocket(let path): path
            }
        }
    }

    public var address: Address = .tcp(host: "0.0.0.0", port: 8080)
    /// Largest request body (and result); AWS Lambda's synchronous payload limit.
    public var maxBodyBytes = RunnerEnvironment.defaultMaxBodyBytes
    /// Deadline of a `/run` (and `/load`) without an `X-Timeout-Ms` header, counted from its arrival.
    public var timeout: Duration = .seconds(60)
    /// How long past its deadline code blocked in C may take before the runner gives up and exits.
    public var timeoutGrace: Duration = .seconds(2)
    /// Exit 0 after this long without `/load` or `/run`; nil never does.
    public var idleTTL: Duration? = .seconds(60)
    /// Output (stdout + stderr) kept per invocation before it is cut with a marker.
    public var maxOutputBytes = 1 << 20
    /// How long a Python call runs before the standby thread takes over polling (to answer health
    /// checks and queue requests). Quick calls never see the standby; zero makes it take over at once.
    public var standbyDelay: Duration = .milliseconds(1)
    /// The support modules' bytecode, made at image build time by `swift-runner --write-code-cache`:
    /// used when it was made from this binary's sources by this CPython, else they are compiled (a
    /// few milliseconds of every cold start). Nil: always compile.
    public var supportCodeCache: String? = "/usr/local/lib/pylambda/support-code"
    /// Signals that drain the runner (finish what was received, then exit 0), read from a signalfd.
    /// They must be blocked in every thread: `Runner.start()` blocks them in the calling thread and in
    /// the threads it starts, so the executable starts the runner from `main`, before any other thread.
    /// Empty for a runner inside another program (a test suite), which calls `Runner.stop()` instead.
    public var drainSignals: [Int32] = []
    /// Whether the runner is the whole process (the swift-runner executable), and so may change what
    /// is process-wide for its functions: its own settings (`RunnerEnvironment.settings`, read by the
    /// time a function loads) are removed from the environment, and a package's code runs in the
    /// package's directory, as Lambda's runs in /var/task. False for a runner inside another program
    /// (a test suite), whose environment and working directory are not the runner's to change.
    public var ownsProcess = false

    public init() {}

    /// The longest deadline a request or the environment may set: a day. Longer is a mistake, and
    /// far longer would overflow the clock arithmetic.
    public static let maxTimeoutMilliseconds = 86_400_000

    /// Reads the `RunnerEnvironment` variables over the defaults.
    public init(environment: [String: String]) throws(RunnerConfigurationError) {
        func number(_ name: String) throws(RunnerConfigurationError) -> Double? {
            guard let text = environment[name] else { return nil }
            guard let value = Double(text.trimmingCharacters(in: " ")), value.isFinite, abs(value) <= 1e12 else {
                throw RunnerConfigurationError(variable: name, value: text, expected: "a number")
            }
            return value
        }
        func seconds(_ name: String) throws(RunnerConfigurationError) -> Double? {
            guard let value = try number(name) else { return nil }
            guard value <= Double(Self.maxTimeoutMilliseconds / 1000) else {
                throw RunnerConfigurationError(variable: name, value: "\(value)", expected: "at most \(Self.maxTimeoutMilliseconds / 1000) seconds")
            }
            return value
        }
        func positive(_ name: String) throws(RunnerConfigurationError) -> Double? {
            guard let value = try number(name) else { return nil }
            guard value > 0 else { throw RunnerConfigurationError(variable: name, value: "\(value)", expected: "a number above 0") }
            return value
        }
        if let port = try positive(RunnerEnvironment.port) {
            guard port < 65536, port == port.rounded() else {
                throw RunnerConfigurationError(variable: RunnerEnvironment.port, value: "\(port)", expected: "a port from 1 to 65535")
            }
            address = .tcp(host: "0.0.0.0", port: Int(port))
        }
        if let seconds = try seconds(RunnerEnvironment.timeout) {
            guard seconds > 0 else { throw RunnerConfigurationError(variable: RunnerEnvironment.timeout, value: "\(seconds)", expected: "a number above 0") }
            timeout = .seconds(seconds)
        }
        if let seconds = try seconds(RunnerEnvironment.timeoutGrace) { timeoutGrace = .seconds(max(0, seconds)) }
        if let seconds = try seconds(RunnerEnvironment.idleTTL) { idleTTL = seconds > 0 ? .seconds(seconds) : nil }
        if let bytes = try positive(RunnerEnvironment.maxBodyBytes) { maxBodyBytes = Int(bytes) }
        if let bytes = try positive(RunnerEnvironment.maxOutputBytes) { maxOutputBytes = Int(bytes) }
    }
}

/// An environment variable that does not say what it should.
public struct RunnerConfigurationError: Error, CustomStringConvertible {
    public var variable: String
    public var value: String
    public var expected: String
    public var description: String { "\(variable)=\(value) is not valid: expected \(expected)" }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var result = self[...]
        while result.first == character { result.removeFirst() }
        while result.last == character { result.removeLast() }
        return result
    }
}
