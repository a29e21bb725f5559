import AWSSignatureV4
import Crypto
import FunctionRegistry
import Hummingbird
import NIOCore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every Lambda API request must carry a valid AWS Signature Version 4 by a key of the registry
/// (`pylambda keys create --aws`). The head is checked first (form, scope, clock, a live key id), so
/// that a request without one never makes the service read a body; then the body is read, once, up to
/// what its route and the key's scope allow (a code upload needs an admin key), because the signature
/// covers its hash. Routes get it from the context.
struct SignatureAuthenticator: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let store: any FunctionStore
    let verifier = SignatureVerifier()
    let limits: ServiceConfiguration.Limits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        let credentials = RegistryCredentials(store: store)
        let secret: AWSCredentials
        do {
            let head = SignableRequest(request.head, payloadSHA256: SHA256.hash(data: [UInt8]()))
            secret = try await verifier.admitHead(head, now: Date(), credentials: credentials)
        } catch let error as SignatureVerificationError {
            throw LambdaError(error)
        }
        // Knowing a live key id is all the head proves (the signature needs the body): only an admin
        // key's requests may be as large as a code upload.
        let isAdmin = credentials.found?.scope == .admin
        let limit = Self.bodyLimit(for: request, limits: limits, admin: isAdmin)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw LambdaError.tooLarge(limit: limit)
        }
        let body = try await request.collectBody(upTo: limit)
        let caller: VerifiedCaller
        do {
            caller = try verifier.verify(SignableRequest(request.head, body: body.readableBytesView), now: Date(), credentials: secret)
        } catch {
            throw LambdaError(error)
        }
        guard let key = credentials.found, key.accessKeyID == caller.accessKeyID else {
            throw LambdaError(.unknownAccessKey(accessKeyID: caller.accessKeyID))
        }
        context.caller = Caller(keyName: key.name, scope: key.scope == .admin ? .admin : .invoke(function: key.functionName))
        context.lambdaBody = body
        return try await next(request, context)
    }

    /// Code uploads (CreateFunction, UpdateFunctionCode) may be as large as a deploy, an Invoke as large
    /// as a payload; everything else is a small JSON document.
    static func bodyLimit(for request: Request, limits: ServiceConfiguration.Limits, admin: Bool) -> Int {
        let path = request.uri.path
        if path.hasSuffix("/invocations") { return limits.maxPayloadBytes }
        guard admin else { return smallBodyBytes }
        let isCreate = request.method == .post && (path.hasSuffix("/functions") || path.hasSuffix("/functions/"))
        let isCodeUpdate = request.method == .put && path.hasSuffix("/code")
        return isCreate || isCodeUpdate ? limits.maxDeployBytes : smallBodyBytes
    }

    /// Configuration documents: environment variables (4 KB at AWS) and a description fit many times.
    static let smallBodyBytes = 256 << 10
}

/// The registry's AWS keys, as SigV4's credential store; it keeps the key it found (one query per
/// request), for the caller's scope.
final class RegistryCredentials: CredentialStore, Sendable {
    let store: any FunctionStore
    private let key = Mutex<AWSAccessKey?>(nil)

    init(store: any FunctionStore) {
        self.store = store
    }

    var found: AWSAccessKey? { key.withLock { $0 } }

    func credentials(forAccessKeyID accessKeyID: String) async throws -> AWSCredentials? {
        guard let found = try await store.awsAccessKey(id: accessKeyID), found.revokedAt == nil else { return nil }
        key.withLock { $0 = found }
        return AWSCredentials(accessKeyID: found.accessKeyID, secretAccessKey: found.secretAccessKey)
    }
}
