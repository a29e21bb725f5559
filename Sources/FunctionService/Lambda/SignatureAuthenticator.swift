import AWSSignatureV4
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
/// (`pylambda keys create --aws`). The body is read here, once, because the signature covers its hash;
/// routes get it from the context.
struct SignatureAuthenticator: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let store: any FunctionStore
    let verifier = SignatureVerifier()
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        let body = try await request.collectBody(upTo: maxBodyBytes)
        let signable = SignableRequest(request.head, body: body.readableBytesView)
        let credentials = RegistryCredentials(store: store)
        let caller: VerifiedCaller
        do {
            caller = try await verifier.verify(signable, now: Date(), credentials: credentials)
        } catch let error as SignatureVerificationError {
            throw LambdaError(error)
        }
        guard let key = credentials.found, key.accessKeyID == caller.accessKeyID else {
            throw LambdaError(.unknownAccessKey(accessKeyID: caller.accessKeyID))
        }
        context.caller = Caller(keyName: key.name, scope: key.scope == .admin ? .admin : .invoke(function: key.functionName))
        context.lambdaBody = body
        return try await next(request, context)
    }
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
