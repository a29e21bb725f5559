#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One immutable version of a function, without its code (see `FunctionStore.code(of:)`): listing
/// versions or resolving the latest one on every call should not read megabytes of zip.
public struct FunctionVersion: Sendable, Equatable {
    public var functionName: String
    /// The function's surrogate id: a name deleted and deployed again is a different function.
    public var functionID: Int64
    public var version: Int
    public var createdAt: Date
    /// Lower-case hex SHA-256 of the stored code bytes.
    public var codeSHA256: String
    public var codeSize: Int
    public var kind: FunctionCode.Kind
    public var handler: String
    public var dependencySetKey: String?
    public var requirements: String?
    public var settings: FunctionSettings
    public var description: String
    /// Marked by Lambda's PublishVersion; ListVersionsByFunction lists only published versions.
    public var published: Bool

    public init(
        functionName: String, functionID: Int64, version: Int, createdAt: Date, codeSHA256: String,
        codeSize: Int, kind: FunctionCode.Kind, handler: String, dependencySetKey: String?,
        requirements: String?, settings: FunctionSettings, description: String, published: Bool
    ) {
        self.functionName = functionName
        self.functionID = functionID
        self.version = version
        self.createdAt = createdAt
        self.codeSHA256 = codeSHA256
        self.codeSize = codeSize
        self.kind = kind
        self.handler = handler
        self.dependencySetKey = dependencySetKey
        self.requirements = requirements
        self.settings = settings
        self.description = description
        self.published = published
    }
}
