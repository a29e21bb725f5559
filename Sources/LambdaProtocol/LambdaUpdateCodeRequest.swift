/// `UpdateFunctionCode`.
public struct LambdaUpdateCodeRequest: Codable, Sendable, Equatable {
    public var zipFile: String?
    public var publish: Bool?
    /// Check the code without deploying it.
    public var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case zipFile = "ZipFile"
        case publish = "Publish"
        case dryRun = "DryRun"
    }
}
