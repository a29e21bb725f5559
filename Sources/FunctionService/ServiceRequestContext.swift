import AWSSignatureV4
import Hummingbird
import NIOCore

/// Each request's context: who made it (set by `BearerAuthenticator`).
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil until authenticated (and on `/healthz`).
    public var caller: Caller?
    /// The Lambda API's request body, read whole by the signature check (which covers its hash).
    public var lambdaBody = ByteBuffer()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies are read with explicit limits per route (`ServiceConfiguration`), not this default.
    public var maxUploadSize: Int { 6 << 20 }

    /// A path parameter as the client meant it: `%XX` escapes decoded, as clients such as Python's
    /// `urllib.parse.quote` send `ci@host` (`ci%40host`). The route's own checks judge the result.
    func pathParameter(_ name: String) -> String {
        String(decoding: PercentEncoding.decode((parameters.get(name) ?? "").utf8), as: UTF8.self)
    }
}

/// An authenticated caller: what its key allows.
public struct Caller: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        case admin
        /// Invoke and read invocations; of `function` only, when it names one.
        case invoke(function: String?)
    }

    public var keyName: String
    public var scope: Scope

    public var isAdmin: Bool { scope == .admin }

    /// Whether it may use every function (and so see them all, as `/metrics` shows them).
    public var mayUseEveryFunction: Bool { scope == .admin || scope == .invoke(function: nil) }

    /// Whether it may invoke `function` and read its invocations.
    public func mayUse(_ function: String) -> Bool {
        switch scope {
        case .admin: true
        case .invoke(let only): only == nil || only == function
        }
    }
}
