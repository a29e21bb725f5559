/// `UpdateFunctionCode`.
public struct LambdaUpdateCodeRequest: Codable, Sendable, Equatable {
    public var zipFile: String?
    /// Named only to say that PyLambda takes code as `ZipFile` only.
    public var s3Bucket: String?
    public var imageUri: String?
    public var publish: Bool?
    /// Check the code without deploying it.
    public var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case zipFile = "ZipFile"
        case s3Bucket = "S3Bucket"
        case imageUri = "ImageUri"
        case publish = "Publish"
        case dryRun = "DryRun"
    }
}
