/// What a deploy hands the store. The store adds the version number, the timestamp, and the code's
/// SHA-256 and size.
public struct NewFunctionVersion: Sendable, Equatable {
    public var code: FunctionCode
    /// `entrypoint` for a single file, `module.function` for a package.
    public var handler: String
    /// The key of the installed dependency set (FunctionPackages), nil without requirements.
    public var dependencySetKey: String?
    /// The requirements text as given, kept so that a set can be rebuilt if its directory is gone.
    public var requirements: String?
    public var settings: FunctionSettings
    /// Free text, shown by the Lambda API.
    public var description: String
    /// Only as the first version of a new function: `conflict` if a live function has the name
    /// (Lambda's CreateFunction), decided in the same transaction that would create it.
    public var createsFunction = false

    public init(
        code: FunctionCode, handler: String = "entrypoint", dependencySetKey: String? = nil,
        requirements: String? = nil, settings: FunctionSettings = FunctionSettings(), description: String = ""
    ) {
        self.code = code
        self.handler = handler
        self.dependencySetKey = dependencySetKey
        self.requirements = requirements
        self.settings = settings
        self.description = description
    }
}
