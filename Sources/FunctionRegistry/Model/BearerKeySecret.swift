import Crypto

/// Making and hashing bearer key secrets, in one place so that `keys create` and the request check
/// agree on the format.
public enum BearerKeySecret {
    /// `pl_` and 64 hex digits: 256 bits from the system's secure generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "pl_" + Hex.encode(bytes)
    }

    /// Lower-case hex SHA-256 of the secret's UTF-8 bytes: what the store keeps and looks keys up by.
    public static func sha256Hex(of secret: String) -> String {
        Hex.encode(SHA256.hash(data: Array(secret.utf8)))
    }

    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { Hex.isLowerHexDigit($0) }
    }
}
