/// The rule for function names, shared by the store (which refuses anything else) and the HTTP API
/// (which answers 400 before asking the store): `[a-z0-9][a-z0-9_-]{0,63}`. Names end up in URLs,
/// container labels and metric labels, so they are kept to characters that need no escaping anywhere.
public enum FunctionName {
    public static let maxLength = 64

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maxLength, isLowerAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public static func validate(_ name: String) throws(RegistryError) {
        guard isValid(name) else {
            throw .invalidInput(
                "invalid function name \(String(reflecting: String(name.prefix(80)))): use 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit")
        }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
