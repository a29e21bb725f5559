/// `GetFunction`.
public struct LambdaGetFunctionResponse: Codable, Sendable, Equatable {
    public var configuration: LambdaFunctionConfiguration
    public var code: Code

    public struct Code: Codable, Sendable, Equatable {
        public var repositoryType: String
        /// Where the package could be downloaded; PyLambda keeps it in its registry only.
        public var location: String
        public init(repositoryType: String, location: String) {
            self.repositoryType = repositoryType
            self.location = location
        }
        enum CodingKeys: String, CodingKey {
            case repositoryType = "RepositoryType"
            case location = "Location"
        }
    }

    public init(configuration: LambdaFunctionConfiguration, code: Code) {
        self.configuration = configuration
        self.code = code
    }

    enum CodingKeys: String, CodingKey {
        case configuration = "Configuration"
        case code = "Code"
    }
}
