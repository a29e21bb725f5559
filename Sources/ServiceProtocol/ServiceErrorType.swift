/// `error.type` of the service's own errors (a function's errors keep the Python exception's name).
/// The body is the runner's `ErrorBody`: `{"detail", "error": {"type", "message", "traceback"}}`.
public enum ServiceErrorType {
    /// 400: bad JSON, a bad name or limit, code that does not load.
    public static let invalidRequest = "InvalidRequest"
    /// 401: no key, or an unknown one.
    public static let unauthorized = "Unauthorized"
    /// 403: the key's scope does not allow it.
    public static let forbidden = "Forbidden"
    /// 404.
    public static let notFound = "NotFound"
    /// 405.
    public static let methodNotAllowed = "MethodNotAllowed"
    /// 409: a key name in use, a function deleted during a deploy.
    public static let conflict = "Conflict"
    /// 413: the body is over the limit.
    public static let payloadTooLarge = "PayloadTooLarge"
    /// 429: the function's concurrency is reached and its queue is full (or the call waited its
    /// whole timeout for a container), with `Retry-After`.
    public static let tooManyRequests = "TooManyRequests"
    /// 502: the runner died or ran out of memory.
    public static let runnerFailed = "RunnerFailed"
    public static let outOfMemory = "OutOfMemory"
    /// 503: draining, or Docker (or the database) unreachable.
    public static let unavailable = "Unavailable"
    /// 504: the call ran past its timeout.
    public static let timeout = "Timeout"
    /// 500: a fault in the service itself.
    public static let internalError = "InternalError"
}

extension ServiceErrorType {
    /// 400: the package cannot be used (an unsafe or corrupt zip, a limit, a handler that is not in it,
    /// requirements that do not parse).
    public static let invalidPackage = "InvalidPackage"
    /// 400: the requirements could not be installed (no such package, no wheel for the runner, a set
    /// over the limit); the message names the requirement.
    public static let dependencyInstallFailed = "DependencyInstallFailed"
}
