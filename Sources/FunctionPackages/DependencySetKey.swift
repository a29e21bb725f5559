/// The content address of a dependency set: hex SHA-256 of the normalised requirements and the
/// runner's Python tag and platform (see `Requirements.key(for:)`). Only 64 lower-case hex digits
/// are a key, so a key is always a safe single path component.
public struct DependencySetKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init?(_ text: String) {
        guard PackageDigest.isDigest(text) else { return nil }
        rawValue = text
    }

    init(trusted hex: String) { rawValue = hex }

    public var description: String { rawValue }
    /// The first 12 digits, for listings.
    public var short: String { String(rawValue.prefix(12)) }

    public static func < (lhs: DependencySetKey, rhs: DependencySetKey) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = DependencySetKey(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a dependency set key"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
