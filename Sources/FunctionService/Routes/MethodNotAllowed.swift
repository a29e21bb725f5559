import HTTPTypes
import Hummingbird
import ServiceProtocol

/// 405 with an `Allow` header for a known path asked with another method (any method, including ones
/// like TRACE or QUERY), rather than the 404 of an unknown path: the resource is right, the verb wrong.
enum MethodNotAllowed {
    static let allowed: [(template: String, path: [Substring], methods: [HTTPRequest.Method])] = [
        ("/healthz", [.get]),
        ("/metrics", [.get]),
        ("/openapi.json", [.get]),
        ("/v1/functions", [.get]),
        ("/v1/functions/{name}", [.get, .put, .delete]),
        ("/v1/functions/{name}/versions", [.get]),
        ("/v1/functions/{name}/invoke", [.post]),
        ("/v1/functions/{name}/invocations", [.get]),
        ("/v1/invocations/{id}", [.get]),
        ("/v1/keys", [.get, .post]),
        ("/v1/keys/{name}", [.delete]),
    ].map { ($0.0, $0.0.split(separator: "/"), $0.1) }

    /// The methods `path` takes, when it is one of the service's paths.
    static func methods(for path: String) -> [HTTPRequest.Method]? {
        known(path)?.methods
    }

    /// The route template of `path` (`/v1/functions/{name}`), when it is one of the service's paths:
    /// how `/metrics` names a 405, which no route matched.
    static func template(for path: String) -> String? {
        known(path)?.template
    }

    private static func known(_ path: String) -> (template: String, path: [Substring], methods: [HTTPRequest.Method])? {
        let components = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/") } ?? []
        return allowed.first { _, path, _ in
            path.count == components.count
                && zip(path, components).allSatisfy { expected, actual in expected.hasPrefix("{") || expected == actual }
        }
    }

    /// The error for a request that matched no route, or nil when its path is unknown too.
    static func error(for request: Request) -> ServiceHTTPError? {
        guard let methods = methods(for: request.uri.path), !methods.contains(request.method) else { return nil }
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        return ServiceHTTPError(
            .methodNotAllowed, type: ServiceErrorType.methodNotAllowed,
            detail: "\(request.uri.path) takes \(allow), not \(request.method.rawValue)", headers: [.allow: allow])
    }
}
