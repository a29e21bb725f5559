/// `ListFunctions`.
public struct LambdaListFunctionsResponse: Codable, Sendable, Equatable {
    public var functions: [LambdaFunctionConfiguration]
    public var nextMarker: String?
    public init(functions: [LambdaFunctionConfiguration], nextMarker: String?) {
        self.functions = functions
        self.nextMarker = nextMarker
    }
    enum CodingKeys: String, CodingKey {
        case functions = "Functions"
        case nextMarker = "NextMarker"
    }
}
