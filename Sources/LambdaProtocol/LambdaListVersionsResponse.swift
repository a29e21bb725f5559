/// `ListVersionsByFunction`.
public struct LambdaListVersionsResponse: Codable, Sendable, Equatable {
    public var versions: [LambdaFunctionConfiguration]
    public var nextMarker: String?
    public init(versions: [LambdaFunctionConfiguration], nextMarker: String?) {
        self.versions = versions
        self.nextMarker = nextMarker
    }
    enum CodingKeys: String, CodingKey {
        case versions = "Versions"
        case nextMarker = "NextMarker"
    }
}
