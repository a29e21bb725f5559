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
