import FunctionRegistry
import Hummingbird
import ServiceProtocol
import Synchronization

/// `Authorization: Bearer <key>` on every route but `/healthz` (and the Lambda API, which signs its
/// requests instead). Keys are looked up by the SHA-256 of the secret and confirmed in constant time.
///
/// Verified keys are cached while the registry's `changes` say they may be: a revoke, through this
/// process or (once its notification arrives) another one sharing PostgreSQL, makes them stale
/// (`RegistryChangeFeed`).
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let keys: KeyVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        // Two headers would otherwise be read as one, joined by a comma, and refused as an unknown key.
        let headers = request.headers[values: .authorization]
        guard headers.count <= 1 else {
            throw ServiceHTTPError.unauthorized("send one Authorization header, not \(headers.count)")
        }
        guard let header = headers.first else {
            throw ServiceHTTPError.unauthorized("no key: send `Authorization: Bearer <key>`")
        }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw ServiceHTTPError.unauthorized("the Authorization header must be `Bearer <key>`")
        }
        let secret = String(header.dropFirst(7)).trimmingSpaces
        guard let caller = try await keys.verify(secret) else {
            throw ServiceHTTPError.unauthorized("unknown or revoked key")
        }
        context.caller = caller
        return try await next(request, context)
    }
}

/// Turns a bearer secret into the caller it stands for.
final class KeyVerifier: Sendable {
    let store: any FunctionStore
    /// The admin key from `PYLAMBDA_ADMIN_KEY`, if set: accepted without being stored.
    let environmentAdminKey: String?
    private let cache = Mutex<[String: (caller: Caller, mark: RegistryChangeFeed.Mark)]>([:])

    init(store: any FunctionStore, environmentAdminKey: String?) {
        self.store = store
        self.environmentAdminKey = environmentAdminKey
    }

    func verify(_ secret: String) async throws -> Caller? {
        if let environmentAdminKey, ConstantTime.equal(Array(secret.utf8), Array(environmentAdminKey.utf8)) {
            return Caller(keyName: "admin (PYLAMBDA_ADMIN_KEY)", scope: .admin)
        }
        let hash = BearerKeySecret.sha256Hex(of: secret)
        if let cached = cache.withLock({ $0[hash] }), store.changes.isCurrent(cached.mark) { return cached.caller }
        // Marked before the read: a revoke heard while it runs makes what it read stale.
        let mark = store.changes.mark()
        guard let key = try await store.bearerKey(secretSHA256: hash), key.revokedAt == nil, key.matches(secret: secret) else {
            return nil
        }
        let caller = Caller(keyName: key.name, scope: key.scope == .admin ? .admin : .invoke(function: key.functionName))
        if let mark { cache.withLock { $0[hash] = (caller, mark) } }
        return caller
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
