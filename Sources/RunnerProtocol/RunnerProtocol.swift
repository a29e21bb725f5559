/// The runner's wire protocol, shared by `swift-runner` and the dispatcher so that both sides agree on
/// every path, header, variable and body. It is the Python proof of concept's `/load` + `/run`
/// protocol, kept compatible, with a structured error body.
public enum RunnerPath {
    /// `POST` a `LoadRequest`: load one source file or a package; answers a `LoadResponse`.
    public static let load = "/load"
    /// `POST <any JSON>`: answer the handler's result as JSON, bare.
    public static let run = "/run"
    /// `GET`: `{"status": "ok", "loaded": Bool}`. `GET /` answers the same.
    public static let health = "/healthz"
}

public enum RunnerHeader {
    /// Request: this invocation's deadline in milliseconds (else `RUNNER_TIMEOUT`).
    public static let timeoutMilliseconds = "X-Timeout-Ms"
    /// Request `true`: the response carries the last 4 KiB of the invocation's output, base64, in
    /// the same header (AWS Lambda's `LogType: Tail`).
    public static let logTail = "X-Log-Tail"
    /// Response: `Unhandled` when a call failed by the function's own fault: it raised, or its result
    /// is not JSON or too large (AWS's `X-Amz-Function-Error`).
    public static let functionError = "X-Function-Error"
    /// Request to `/run`: the invocation's id, given to a `handler(event, context)` as
    /// `context.aws_request_id` (a random UUID when absent).
    public static let invocationID = "X-Invocation-Id"
}

/// Environment variables that configure a runner (each also has a default, see `swift-runner --help`).
public enum RunnerEnvironment {
    public static let port = "PORT"
    /// Default deadline of a `/run`, in seconds.
    public static let timeout = "RUNNER_TIMEOUT"
    /// Seconds past a deadline that code blocked in C may take before the runner exits.
    public static let timeoutGrace = "RUNNER_TIMEOUT_GRACE"
    /// Seconds without `/load` or `/run` after which the runner exits 0; `<= 0` disables.
    public static let idleTTL = "RUNNER_IDLE_TTL"
    /// Largest request body and result; `defaultMaxBodyBytes` when unset.
    public static let maxBodyBytes = "RUNNER_MAX_BODY_BYTES"
    /// AWS Lambda's synchronous payload limit: the runner's default, and what the host expects of a
    /// runner it gave no limit.
    public static let defaultMaxBodyBytes = 6 << 20
    /// Bytes of output (stdout + stderr) kept per invocation.
    public static let maxOutputBytes = "RUNNER_MAX_OUTPUT_BYTES"
    /// swift-log level of the runner's own logs: trace, debug, info, notice, warning, error, critical.
    public static let logLevel = "RUNNER_LOG_LEVEL"

    /// Every variable above but `PORT`: the runner's own settings, which functions do not see.
    public static let settings = [timeout, timeoutGrace, idleTTL, maxBodyBytes, maxOutputBytes, logLevel]
}

/// How a runner process ends.
public enum RunnerExitCode {
    /// Idle TTL reached, or SIGTERM/SIGINT after the in-flight invocation finished.
    public static let clean: Int32 = 0
    /// Bad configuration or CPython failed to start.
    public static let startupFailed: Int32 = 1
    /// An invocation stayed blocked past its deadline plus the grace period (like `timeout(1)`).
    public static let unresponsive: Int32 = 124
}

/// The body of `POST /load`: one source file (`code`) or a package directory (`package`), and how to
/// load it. Every field but one of `code` and `package` is optional; absent ones are not sent.
public struct LoadRequest: Codable, Sendable, Equatable {
    /// One source file, run as the module `function`.
    public var code: String?
    /// A directory inside the runner's container holding a function package (modules, subpackages,
    /// data files). It goes first on `sys.path` and the handler's module is imported from it.
    public var package: String?
    /// Single file: the function's name (default `entrypoint`; in `x.name` only `name` counts).
    /// Package: `module.function` (default `main.entrypoint`; the module may be dotted).
    /// A callable of exactly two positional parameters is called as `handler(event, context)`.
    public var handler: String?
    /// Directories (read-only dependency sets) put on `sys.path` after the package, for this load only.
    public var sysPath: [String]?
    /// Environment variables set for this load (restored, or removed, by the next load).
    public var env: [String: String]?
    /// For a package: the host's hash of its contents, answered as `code_sha256`; with `handler`,
    /// `sys_path`, `env` and `function` it decides whether a load is `reused`. (For `code`, the
    /// runner hashes the source itself.)
    public var digest: String?
    /// The static part of a Lambda handler's `context`.
    public var function: FunctionMetadata?

    public init(
        code: String? = nil,
        package: String? = nil,
        handler: String? = nil,
        sysPath: [String]? = nil,
        env: [String: String]? = nil,
        digest: String? = nil,
        function: FunctionMetadata? = nil
    ) {
        self.code = code
        self.package = package
        self.handler = handler
        self.sysPath = sysPath
        self.env = env
        self.digest = digest
        self.function = function
    }

    enum CodingKeys: String, CodingKey {
        case code, package, handler
        case sysPath = "sys_path"
        case env, digest, function
    }
}

/// What a `handler(event, context)` reads from `context` about its function (AWS Lambda's names).
public struct FunctionMetadata: Codable, Sendable, Equatable {
    /// `context.function_name` (default "function").
    public var name: String?
    /// `context.function_version` (default "$LATEST").
    public var version: String?
    /// `context.memory_limit_in_mb`, an int (default 0: not told).
    public var memoryLimitInMB: Int?
    /// `context.invoked_function_arn` (default a local ARN naming the function).
    public var invokedFunctionARN: String?
    /// `context.log_group_name` (default "/aws/lambda/<name>").
    public var logGroupName: String?
    /// `context.log_stream_name` (default one per load, in Lambda's "yyyy/mm/dd/[version]id" form).
    public var logStreamName: String?

    public init(
        name: String? = nil,
        version: String? = nil,
        memoryLimitInMB: Int? = nil,
        invokedFunctionARN: String? = nil,
        logGroupName: String? = nil,
        logStreamName: String? = nil
    ) {
        self.name = name
        self.version = version
        self.memoryLimitInMB = memoryLimitInMB
        self.invokedFunctionARN = invokedFunctionARN
        self.logGroupName = logGroupName
        self.logStreamName = logStreamName
    }

    enum CodingKeys: String, CodingKey {
        case name, version
        case memoryLimitInMB = "memory_limit_in_mb"
        case invokedFunctionARN = "invoked_function_arn"
        case logGroupName = "log_group_name"
        case logStreamName = "log_stream_name"
    }
}

public struct LoadResponse: Codable, Sendable, Equatable {
    /// Always `"loaded"`.
    public var status: String
    /// SHA-256 of the loaded source, hex; for a package, the request's `digest` (empty without one).
    public var codeSHA256: String
    /// True when the same load (source or digest, handler, sys_path, env, function) was already
    /// loaded and was kept as it was (module globals included). A package without a digest is never
    /// reused.
    public var reused: Bool

    public init(status: String = "loaded", codeSHA256: String, reused: Bool) {
        self.status = status
        self.codeSHA256 = codeSHA256
        self.reused = reused
    }

    enum CodingKeys: String, CodingKey {
        case status
        case codeSHA256 = "code_sha256"
        case reused
    }
}

public struct HealthResponse: Codable, Sendable, Equatable {
    public var status: String
    public var loaded: Bool
    public init(status: String = "ok", loaded: Bool) {
        self.status = status
        self.loaded = loaded
    }
}

/// Every error response's body. `detail` is the one line a person reads (and what FastAPI clients of
/// the proof of concept already read); `error` mirrors AWS Lambda's errorType / errorMessage / stackTrace.
public struct ErrorBody: Codable, Sendable, Equatable, Error {
    public var detail: String
    public var error: Description

    public struct Description: Codable, Sendable, Equatable {
        /// A Python exception's type name (`ZeroDivisionError`) or one of `RunnerErrorType`.
        public var type: String
        public var message: String
        /// Formatted traceback lines, innermost last; empty when there is no Python traceback.
        public var traceback: [String]

        public init(type: String, message: String, traceback: [String] = []) {
            self.type = type
            self.message = message
            self.traceback = traceback
        }
    }

    public init(detail: String, type: String, message: String, traceback: [String] = []) {
        self.detail = detail
        self.error = Description(type: type, message: message, traceback: traceback)
    }
}

/// Error types that the runner itself reports (Python's own exception names are passed through).
public enum RunnerErrorType {
    /// 400: the body is not JSON, or not the shape the path expects.
    public static let invalidRequest = "InvalidRequest"
    /// 400: `/run` before any successful `/load`.
    public static let notLoaded = "NotLoaded"
    /// 400: the module ran but defines no callable `entrypoint`.
    public static let noEntrypoint = "EntrypointNotFound"
    /// 413: the body is larger than `RUNNER_MAX_BODY_BYTES`.
    public static let payloadTooLarge = "PayloadTooLarge"
    /// 431: the request line and header fields are too large, or too many.
    public static let headerFieldsTooLarge = "RequestHeaderFieldsTooLarge"
    /// 417, 501, 505: an `Expect`, a transfer coding or an HTTP version the runner does not speak.
    public static let unsupportedRequest = "UnsupportedRequest"
    /// 404 / 405: no such path, or the wrong method for it.
    public static let notFound = "NotFound"
    public static let methodNotAllowed = "MethodNotAllowed"
    /// 500: the entrypoint's return value cannot be encoded as strict JSON.
    public static let resultNotSerializable = "ResultNotSerializable"
    /// 500: the entrypoint's return value, as JSON, is larger than `RUNNER_MAX_BODY_BYTES`.
    public static let resultTooLarge = "ResultTooLarge"
    /// 504: the invocation ran past its deadline and was interrupted.
    public static let timeout = "Timeout"
    /// 504: the invocation could not be interrupted; the runner exits after answering.
    public static let unresponsive = "RunnerUnresponsive"
    /// 503: the runner is shutting down or lost its interpreter.
    public static let unavailable = "RunnerUnavailable"
    /// 500: a fault in the runner itself.
    public static let internalError = "InternalError"
}
