import AWSSignatureV4
import FunctionRegistry
import Hummingbird
import NIOCore

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
        let caller: VerifiedCaller
        do {
            caller = try await verifier.verify(signable, now: Date(), credentials: RegistryCredentials(store: store))
        } catch let error as SignatureVerificationError {
            throw LambdaError(error)
        }
        guard let key = try await store.awsAccessKey(id: caller.accessKeyID), key.revokedAt == nil else {
            throw LambdaError(.unknownAccessKey(accessKeyID: caller.accessKeyID))
        }
        context.caller = Caller(keyName: key.name, scope: key.scope == .admin ? .admin : .invoke(function: key.functionName))
        context.lambdaBody = body
        return try await next(request, context)
    }
}

/// The registry's AWS keys, as SigV4's credential store.
struct RegistryCredentials: CredentialStore {
    let store: any FunctionStore

    func credentials(forAccessKeyID accessKeyID: String) async throws -> AWSCredentials? {
        guard let key = try await store.awsAccessKey(id: accessKeyID), key.revokedAt == nil else { return nil }
        return AWSCredentials(accessKeyID: key.accessKeyID, secretAccessKey: key.secretAccessKey)
    }
}
