#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An AWS-style key for the Lambda-compatible API (SigV4).
///
/// Unlike a bearer key, the secret itself is stored: SigV4 signatures are HMACs, and checking one
/// means computing the same HMAC with the secret the client signed with; a hash of the secret would
/// not do. Anyone who can read the database can therefore sign requests with these keys: keep the
/// SQLite file private (the store creates it with mode 0600) and the PostgreSQL role's data private.
public struct AWSAccessKey: Sendable, Equatable {
    /// `AKIA...`-like, 20 characters; public, sent in every request.
    public var accessKeyID: String
    public var secretAccessKey: String
    public var name: String
    public var scope: KeyScope
    public var functionName: String?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        accessKeyID: String, secretAccessKey: String, name: String, scope: KeyScope, functionName: String?,
        createdAt: Date, revokedAt: Date?
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.name = name
        self.scope = scope
        self.functionName = functionName
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// What `FunctionStore.createAWSAccessKey` stores.
public struct NewAWSAccessKey: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var name: String
    public var scope: KeyScope
    public var functionName: String?

    public init(accessKeyID: String, secretAccessKey: String, name: String, scope: KeyScope, functionName: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.name = name
        self.scope = scope
        self.functionName = functionName
    }

    /// A fresh pair in AWS's shapes, which tools that check a key's form accept: `AKIA` and 16
    /// characters of A-Z2-7 (80 bits) as the id, and 40 characters of A-Za-z0-9+/ (240 bits) as the
    /// secret.
    public static func generate(name: String, scope: KeyScope, functionName: String? = nil) -> Self {
        var generator = SystemRandomNumberGenerator()
        let idAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let id = "AKIA" + String((0..<16).map { _ in idAlphabet.randomElement(using: &generator)! })
        let secret = String((0..<40).map { _ in secretAlphabet.randomElement(using: &generator)! })
        return Self(accessKeyID: id, secretAccessKey: secret, name: name, scope: scope, functionName: functionName)
    }

    static func validate(_ key: Self) throws(RegistryError) {
        let idValid = (16...128).contains(key.accessKeyID.utf8.count)
            && key.accessKeyID.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard idValid else {
            throw .invalidInput("invalid access key id: use 16 to 128 characters of A-Z and 0-9")
        }
        let secretValid = (16...128).contains(key.secretAccessKey.utf8.count)
            && key.secretAccessKey.utf8.allSatisfy { (0x21...0x7e).contains($0) }
        guard secretValid else {
            throw .invalidInput("invalid secret access key: use 16 to 128 printable ASCII characters")
        }
    }
}
