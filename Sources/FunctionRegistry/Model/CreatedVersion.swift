/// The answer to a deploy: the new version, and whether the deploy created the function (201) or
/// added a version to an existing one (200).
public struct CreatedVersion: Sendable, Equatable {
    public var version: FunctionVersion
    public var isNewFunction: Bool

    public init(version: FunctionVersion, isNewFunction: Bool) {
        self.version = version
        self.isNewFunction = isNewFunction
    }
}
