import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A real `pylambda serve` process, as users run it: its own state directory and port, talked to over
/// HTTP. Stopped with SIGTERM (graceful) or SIGKILL.
final class ServeProcess: @unchecked Sendable {
    let state: String
    let port: Int
    let process = Process()
    let log: String
    private(set) var adminKey = ""

    static var image: String { ProcessInfo.processInfo.environment["PYLAMBDA_IMAGE"] ?? "pylambda-runner:latest" }

    /// `pylambda` as `swift build --build-tests` leaves it next to the test bundle.
    static func cli() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("pylambda").path) {
            directory = directory.deletingLastPathComponent()
        }
        let cli = directory.appendingPathComponent("pylambda")
        guard FileManager.default.isExecutableFile(atPath: cli.path) else {
            throw ServeTestError("pylambda is not built next to the tests (swift build --build-tests builds it)")
        }
        return cli
    }

    /// Starts serve and waits until it answers `/healthz` and has written its admin key. `cpus`
    /// (a `taskset` CPU list such as "0") pins it, as `make bench` does.
    init(
        state: String? = nil, database: String? = nil, warmPool: Int = 1, extra: [String] = [], environment: [String: String] = [:],
        cpus: String? = nil, waitUntilServing wait: Bool = true
    ) async throws {
        self.state = state ?? "/tmp/pylambda-serve-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        port = try Self.freePort()
        log = self.state + ".log"
        let cli = try Self.cli()
        var arguments = ["serve", "--state", self.state, "--port", String(port), "--image", Self.image, "--warm-pool", String(warmPool)]
        if let database { arguments += ["--database", database] }
        if let cpus {
            // taskset execs serve: the process keeps its pid.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", cpus, cli.path] + arguments + extra
        } else {
            process.executableURL = cli
            process.arguments = arguments + extra
        }
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "PYLAMBDA_ADMIN_KEY")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if wait { try await waitUntilServing(key: environment["PYLAMBDA_ADMIN_KEY"]) }
    }

    func waitUntilServing(key: String?, within: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw ServeTestError("serve exited with \(process.terminationStatus):\n\(logText())") }
            if let key {
                adminKey = key
            } else if let text = try? String(contentsOfFile: state + "/admin.key", encoding: .utf8) {
                adminKey = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if !adminKey.isEmpty, let answer = try? await ServiceHTTP.shared.request(.GET, "http://127.0.0.1:\(port)/healthz"), answer.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServeTestError("serve did not come up within \(within):\n\(logText())")
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func logText() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for the exit status.
    func stop(signal: Int32 = SIGTERM) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Removes the state directory and serve's log (after a stop).
    func removeState() { Self.removeState(at: state) }

    /// The same for a state directory named before its serve started (its log is `<state>.log`).
    static func removeState(at state: String) {
        try? FileManager.default.removeItem(atPath: state)
        try? FileManager.default.removeItem(atPath: state + ".log")
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw ServeTestError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// HTTP for the tests, with one shared client.
final class ServiceHTTP: Sendable {
    static let shared = ServiceHTTP()
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
        var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
        var errorType: String? { (object["error"] as? [String: Any])?["type"] as? String }
        var errorMessage: String? { (object["error"] as? [String: Any])?["message"] as? String }
    }

    func request(
        _ method: HTTPMethod, _ url: String, key: String? = nil, body: String? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(120)
    ) async throws -> Answer {
        try await request(method, url, key: key, bytes: body.map { Array($0.utf8) }, headers: headers, timeout: timeout)
    }

    func request(
        _ method: HTTPMethod, _ url: String, key: String? = nil, bytes body: [UInt8]?, headers: [(String, String)] = [],
        timeout: Duration = .seconds(120)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .init(timeout))
        let collected = try await response.body.collect(upTo: 32 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: collected))
    }
}

extension ServeProcess {
    func call(_ method: HTTPMethod, _ path: String, key: String? = nil, body: String? = nil, headers: [(String, String)] = []) async throws
        -> ServiceHTTP.Answer
    {
        try await ServiceHTTP.shared.request(method, url + path, key: key ?? adminKey, body: body, headers: headers)
    }

    func deploy(_ name: String, code: String, settings: [String: Any] = [:]) async throws -> ServiceHTTP.Answer {
        var body = settings
        body["code"] = code
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await call(.PUT, "/v1/functions/\(name)", body: String(decoding: data, as: UTF8.self))
    }

    func invoke(_ name: String, _ input: String = "{}", query: String = "", key: String? = nil, headers: [(String, String)] = []) async throws
        -> ServiceHTTP.Answer
    {
        try await call(.POST, "/v1/functions/\(name)/invoke\(query)", key: key, body: input, headers: headers)
    }

    /// Polls an async invocation until it is no longer queued or running.
    func waitForInvocation(_ id: String, within: Duration = .seconds(60)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let record = try await call(.GET, "/v1/invocations/\(id)").object
            if let status = record["status"] as? String, status != "queued" && status != "running" { return record }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeTestError("invocation \(id) did not finish within \(within)")
    }

    /// Deploys `name`, a function that sleeps for as many seconds as its input says, on one
    /// container, and warms that container.
    func deploySleeper(_ name: String) async throws {
        let code = "import time\ndef entrypoint(data):\n    time.sleep(data)\n    return data\n"
        let deployed = try await deploy(name, code: code, settings: ["concurrency": 1])
        guard deployed.status == 201, try await invoke(name, "0").status == 200 else {
            throw ServeTestError("could not deploy and warm \(name): \(deployed.text)")
        }
    }

    /// Returns once one of the function's calls is recorded running (it has its runner).
    func waitUntilACallRuns(of function: String, within: Duration) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let records = try await call(.GET, "/v1/functions/\(function)/invocations").object["invocations"] as? [[String: Any]]
            if records?.contains(where: { $0["status"] as? String == "running" }) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServeTestError("no call of \(function) ran within \(within)")
    }

    /// Returns the record of an async call once a serve has taken it (it names that serve).
    func waitUntilClaimed(_ id: String, within: Duration) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let record = try await call(.GET, "/v1/invocations/\(id)").object
            if record["instance"] is String { return record }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServeTestError("invocation \(id) was not taken within \(within)")
    }

    /// Containers this serve's dispatcher still owns, by its runner records.
    func runnerDirectories() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: state + "/runners")) ?? []
    }
}
