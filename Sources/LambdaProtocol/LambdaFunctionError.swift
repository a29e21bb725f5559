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
