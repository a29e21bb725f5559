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

/// `UpdateFunctionConfiguration`.
public struct LambdaUpdateConfigurationRequest: Codable, Sendable, Equatable {
    public var runtime: String?
    public var handler: String?
    public var description: String?
    public var timeout: Int?
    public var memorySize: Int?
    public var environment: LambdaFunctionConfiguration.Environment?
    enum CodingKeys: String, CodingKey {
        case runtime = "Runtime"
        case handler = "Handler"
        case description = "Description"
        case timeout = "Timeout"
        case memorySize = "MemorySize"
        case environment = "Environment"
    }
}

/// A function's failure, as Lambda returns it in the body of a 200 with `X-Amz-Function-Error`.
public struct LambdaFunctionError: Codable, Sendable, Equatable {
    public var errorMessage: String
    public var errorType: String
    public var stackTrace: [String]
    public init(errorMessage: String, errorType: String, stackTrace: [String]) {
        self.errorMessage = errorMessage
        self.errorType = errorType
        self.stackTrace = stackTrace
    }
}

/// A service error: the `x-amzn-ErrorType` header names its type, this is its body.
public struct LambdaServiceError: Codable, Sendable, Equatable {
    /// `User` (the caller's fault) or `Service`.
    public var type: String
    public var message: String
    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }
    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case message = "Message"
    }
}

/// Lambda's paths, headers and error types.
public enum LambdaAPI {
    public static let version = "2015-03-31"
    public static let functions = "/2015-03-31/functions"

    public enum Header {
        public static let invocationType = "X-Amz-Invocation-Type"
        public static let logType = "X-Amz-Log-Type"
        public static let logResult = "X-Amz-Log-Result"
        public static let functionError = "X-Amz-Function-Error"
        public static let executedVersion = "X-Amz-Executed-Version"
        public static let requestID = "x-amzn-RequestId"
        public static let errorType = "x-amzn-ErrorType"
    }

    public enum ErrorType {
        public static let resourceNotFound = "ResourceNotFoundException"
        public static let invalidParameterValue = "InvalidParameterValueException"
        public static let resourceConflict = "ResourceConflictException"
        public static let tooManyRequests = "TooManyRequestsException"
        public static let requestTooLarge = "RequestTooLargeException"
        public static let service = "ServiceException"
        public static let invalidRequestContent = "InvalidRequestContentException"
        public static let accessDenied = "AccessDeniedException"
    }
}
