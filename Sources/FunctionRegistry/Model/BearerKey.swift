#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A stored bearer key. Only the SHA-256 of its secret is kept: a copy of the database does not let
/// anyone call the API. Secrets are long random strings (`BearerKeySecret.generate()`), so a plain
/// hash is enough; a slow password hash would only slow every request down.
public struct BearerKey: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// Lower-case hex SHA-256 of the secret.
    public var secretSHA256: String
    public var scope: KeyScope
    /// An invoke key limited to this function; nil for any function.
    public var functionName: String?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: Int64, name: String, secretSHA256: String, scope: KeyScope, functionName: String?,
        createdAt: Date, revokedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.secretSHA256 = secretSHA256
        self.scope = scope
        self.functionName = functionName
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether `secret` is this key's, compared in constant time: the lookup by hash found the row,
    /// this check makes sure the answer does not depend on how much of the hash matched.
    public func matches(secret: String) -> Bool {
        ConstantTime.equal(Array(BearerKeySecret.sha256Hex(of: secret).utf8), Array(secretSHA256.utf8))
    }
}

/// What `FunctionStore.createBearerKey` stores.
public struct NewBearerKey: Sendable, Equatable {
    public var name: String
    public var secretSHA256: String
    public var scope: KeyScope
    public var functionName: String?

    public init(name: String, secretSHA256: String, scope: KeyScope, functionName: String? = nil) {
        self.name = name
        self.secretSHA256 = secretSHA256
        self.scope = scope
        self.functionName = functionName
    }

    /// A key for `secret`, hashed here so that the secret itself never reaches the store.
    public init(name: String, secret: String, scope: KeyScope, functionName: String? = nil) {
        self.init(name: name, secretSHA256: BearerKeySecret.sha256Hex(of: secret), scope: scope, functionName: functionName)
    }
}
