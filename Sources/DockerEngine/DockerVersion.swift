/// `GET /version`: what the daemon is and which API versions it serves.
public struct DockerVersion: Decodable, Sendable, Equatable {
    /// The engine's release, e.g. `29.0.4`.
    public var version: String
    /// The newest API it serves, e.g. `1.52`.
    public var apiVersion: String
    /// The oldest API it serves; absent on very old daemons.
    public var minimumAPIVersion: String?
    public var operatingSystem: String?
    public var architecture: String?
    public var kernelVersion: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case apiVersion = "ApiVersion"
        case minimumAPIVersion = "MinAPIVersion"
        case operatingSystem = "Os"
        case architecture = "Arch"
        case kernelVersion = "KernelVersion"
    }

    public init(version: String, apiVersion: String, minimumAPIVersion: String?) {
        self.version = version
        self.apiVersion = apiVersion
        self.minimumAPIVersion = minimumAPIVersion
    }
}
