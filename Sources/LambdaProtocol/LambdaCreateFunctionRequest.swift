/// `CreateFunction`: the fields PyLambda uses; others Lambda has (VpcConfig, Layers, ...) are
/// accepted and ignored, as they mean nothing on one machine.
public struct LambdaCreateFunctionRequest: Codable, Sendable, Equatable {
    public var functionName: String
    public var runtime: String?
    public var role: String?
    public var handler: String?
    public var code: Code
    public var description: String?
    public var timeout: Int?
    public var memorySize: Int?
    public var publish: Bool?
    public var environment: LambdaFunctionConfiguration.Environment?

    public struct Code: Codable, Sendable, Equatable {
        /// The zip, base64.
        public var zipFile: String?
        public var s3Bucket: String?
        public var imageUri: String?
        enum CodingKeys: String, CodingKey {
            case zipFile = "ZipFile"
            case s3Bucket = "S3Bucket"
            case imageUri = "ImageUri"
        }
    }

    enum CodingKeys: String, CodingKey {
        case functionName = "FunctionName"
        case runtime = "Runtime"
        case role = "Role"
        case handler = "Handler"
        case code = "Code"
        case description = "Description"
        case timeout = "Timeout"
        case memorySize = "MemorySize"
        case publish = "Publish"
        case environment = "Environment"
    }
}
