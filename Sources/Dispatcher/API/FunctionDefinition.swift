import Crypto
import RunnerProtocol

/// Everything that decides what a runner serves: the code, its entry point, its environment, its
/// limits. Made once (hashing the code is the expensive part) and then invoked as often as needed:
/// a warm call hashes nothing and builds no strings.
///
/// ```swift
/// let fibonacci = FunctionDefinition(source: code, configuration: .init(timeout: .seconds(5)))
/// let result = try await dispatcher.invoke(fibonacci, json: #"{"n": 10}"#)
/// ```
public struct FunctionDefinition: Sendable, Hashable {
    /// What the function is made of.
    public enum Code: Sendable, Hashable {
        /// One Python source file, defining `entrypoint(data)` or the function `handler` names.
        case source(String)
        /// A package, extracted read-only on the host (`FunctionPackages.PackageStore` does that),
        /// with the digest of its contents. Its files are linked into each runner that loads it and
        /// seen there, read-only, at `/var/task`.
        case package(directory: String, digest: String)
    }

    public let code: Code
    /// The function to call; nil is the runner's default (`entrypoint` in a file, `main.entrypoint`
    /// in a package). Two positional parameters make it Lambda's `handler(event, context)`.
    public let handler: String?
    /// The key of a dependency set in the dispatcher's dependency store, put on `sys.path`.
    public let dependencySet: String?
    /// Set in the function's `os.environ`.
    public let environment: [String: String]
    public let configuration: FunctionConfiguration
    /// Who the function is, for Lambda's `context` and to keep versions of a named function apart.
    public let identity: FunctionIdentity?
    /// SHA-256 of the source, or the package's digest, hex.
    public let codeHash: String
    let key: FunctionKey
    /// The `/load` body, the `X-Timeout-Ms` value and the transport deadline, made once.
    let loadRequest: LoadRequest
    let timeoutHeader: String
    let transportTimeout: Duration
    /// The largest answer taken from its runner (AWS Lambda's 6 MB by default).
    let maxResponseBytes: Int

    /// The source when the function is one file.
    public var source: String? {
        if case .source(let source) = code { return source }
        return nil
    }

    public init(
        source: String, handler: String? = nil, dependencySet: String? = nil, environment: [String: String] = [:],
        configuration: FunctionConfiguration = FunctionConfiguration(), identity: FunctionIdentity? = nil
    ) {
        self.init(
            code: .source(source), handler: handler, dependencySet: dependencySet, environment: environment,
            configuration: configuration, identity: identity)
    }

    public init(
        code: Code, handler: String? = nil, dependencySet: String? = nil, environment: [String: String] = [:],
        configuration: FunctionConfiguration = FunctionConfiguration(), identity: FunctionIdentity? = nil
    ) {
        self.code = code
        self.handler = handler
        self.dependencySet = dependencySet
        self.environment = environment
        self.configuration = configuration
        self.identity = identity
        switch code {
        case .source(let source): codeHash = SHA256.hex(Array(source.utf8))
        case .package(_, let digest): codeHash = digest
        }
        // Every field with its length in bytes: no two different definitions can read the same.
        var fields: [UInt8] = []
        func field(_ tag: String, _ value: String) {
            let bytes = Array(value.utf8)
            fields += Array("\(tag):\(bytes.count):".utf8) + bytes
        }
        if case .package = code { field("package", codeHash) } else { field("code", codeHash) }
        field("handler", handler ?? "")
        field("dependencies", dependencySet ?? "")
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            field("env", name)
            field("value", value)
        }
        if let identity {
            field("name", identity.name)
            field("version", identity.version)
            field("arn", identity.invokedFunctionARN ?? "")
            field("deployment", identity.deployment ?? "")
        }
        key = FunctionKey(digest: SHA256.hex(fields), profile: ContainerProfile(configuration))
        // The memory limit is always told: a handler sizes its work by it even without a name.
        let context = FunctionMetadata(
            name: identity?.name, version: identity?.version, memoryLimitInMB: Int(configuration.memoryBytes >> 20),
            invokedFunctionARN: identity?.invokedFunctionARN)
        let sysPath = dependencySet.map { [RunnerMount.dependencySitePackages($0)] }
        switch code {
        case .source(let source):
            loadRequest = LoadRequest(
                code: source, handler: handler, sysPath: sysPath, env: environment.isEmpty ? nil : environment, function: context)
        case .package(_, let digest):
            loadRequest = LoadRequest(
                package: RunnerMount.taskDirectory, handler: handler, sysPath: sysPath,
                env: environment.isEmpty ? nil : environment, digest: digest, function: context)
        }
        let timeout = configuration.effectiveTimeout
        timeoutHeader = String(max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        transportTimeout = timeout + .seconds(5)
        // Clamped: `validate()` refuses a larger limit, but this runs first.
        maxResponseBytes = min(max(configuration.maxBodyBytes ?? RunnerEnvironment.defaultMaxBodyBytes, 1), FunctionConfiguration.maxBodyBytesLimit) + (64 << 10)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

/// The static part of a Lambda `context`, and the name and version that key a service's containers.
public struct FunctionIdentity: Sendable, Hashable {
    public var name: String
    /// What the handler's `context.function_version` says (`$LATEST`, or a number).
    public var version: String
    public var invokedFunctionARN: String?
    /// What tells deployments apart where `version` does not (a service's own version number behind
    /// `$LATEST`): two deployments of the same code with different settings (concurrency, timeout)
    /// must not share runners.
    public var deployment: String?

    public init(name: String, version: String, invokedFunctionARN: String? = nil, deployment: String? = nil) {
        self.name = name
        self.version = version
        self.invokedFunctionARN = invokedFunctionARN
        self.deployment = deployment
    }
}

/// Which runners can serve a call: the same function (`digest`) in the same kind of container.
struct FunctionKey: Sendable, Hashable {
    /// SHA-256 over the code hash, handler, environment and identity.
    let digest: String
    let profile: ContainerProfile
    /// The first bytes of the digest: hashing a key on every call costs no string walk.
    private let fingerprint: UInt64

    init(digest: String, profile: ContainerProfile) {
        self.digest = digest
        self.profile = profile
        fingerprint = UInt64(digest.prefix(16), radix: 16) ?? 0
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.digest == rhs.digest && lhs.profile == rhs.profile
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(fingerprint)
    }
}

/// Everything about a container that is fixed when it is created. Runners with equal profiles are
/// interchangeable before code is loaded into them (the warm pool), whatever the function.
struct ContainerProfile: Sendable, Hashable {
    /// Stable text form, recorded on disk and in a label.
    let key: String

    init(_ configuration: FunctionConfiguration) {
        let c = configuration
        key =
            "m\(c.memoryBytes)-c\(c.cpus)-p\(c.pidsLimit)-f\(c.openFilesLimit)-n\(c.allowNetwork)-r\(c.readOnlyRootFilesystem)"
            + "-t\(c.tmpfsBytes)-u\(c.user)-b\(c.maxBodyBytes ?? -1)-\(c.runtime.rawValue)-l\(c.logFileBytes)x\(c.logFiles)"
    }

    init(key: String) {
        self.key = key
    }
}

extension SHA256 {
    /// Lower-case hex of the digest.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
