/// AWS Lambda's `FunctionConfiguration` (API version 2015-03-31), with the fields boto3 and the AWS
/// CLI read. The shapes here are Lambda's own, so that every existing client works unchanged.
public struct LambdaFunctionConfiguration: Codable, Sendable, Equatable {
    public var functionName: String
    public var functionArn: String
    /// Always the Python that really runs the function (`python3.11`), whatever was asked for.
    public var runtime: String
    public var role: String
    public var handler: String
    public var codeSize: Int
    public var description: String
    public var timeout: Int
    public var memorySize: Int
    /// `2026-11-27T18:00:00.000+0000`, as Lambda writes it.
    public var lastModified: String
    /// Base64 of the SHA-256 of the deployment package, as AWS does.
    public var codeSha256: String
    /// `$LATEST` or a version number.
    public var version: String
    public var environment: Environment?
    public var state: String
    public var lastUpdateStatus: String
    public var packageType: String
    public var architectures: [String]

    public struct Environment: Codable, Sendable, Equatable {
        public var variables: [String: String]?
        public init(variables: [String: String]?) { self.variables = variables }
        enum CodingKeys: String, CodingKey { case variables = "Variables" }
    }

    public init(
        functionName: String, functionArn: String, runtime: String, role: String, handler: String, codeSize: Int,
        description: String, timeout: Int, memorySize: Int, lastModified: String, codeSha256: String, version: String,
        environment: Environment?
    ) {
        self.functionName = functionName
        self.functionArn = functionArn
        self.runtime = runtime
        self.role = role
        self.handler = handler
        self.codeSize = codeSize
        self.description = description
        self.timeout = timeout
        self.memorySize = memorySize
        self.lastModified = lastModified
        self.codeSha256 = codeSha256
        self.version = version
        self.environment = environment
        state = "Active"
        lastUpdateStatus = "Successful"
        packageType = "Zip"
        architectures = ["x86_64"]
    }

    enum CodingKeys: String, CodingKey {
        case functionName = "FunctionName"
        case functionArn = "FunctionArn"
        case runtime = "Runtime"
        case role = "Role"
        case handler = "Handler"
        case codeSize = "CodeSize"
        case description = "Description"
        case timeout = "Timeout"
        case memorySize = "MemorySize"
        case lastModified = "LastModified"
        case codeSha256 = "CodeSha256"
        case version = "Version"
        case environment = "Environment"
        case state = "State"
        case lastUpdateStatus = "LastUpdateStatus"
        case packageType = "PackageType"
        case architectures = "Architectures"
    }
}
