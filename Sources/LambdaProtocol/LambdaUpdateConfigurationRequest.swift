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
