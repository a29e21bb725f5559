/// The rule for key names (`keys create --name`, `keys revoke NAME`): `[A-Za-z0-9][A-Za-z0-9._@-]{0,63}`,
/// so that a name prints safely in a terminal and a log line.
enum KeyName {
    static func validate(_ name: String) throws(RegistryError) {
        let bytes = Array(name.utf8)
        let valid =
            !bytes.isEmpty && bytes.count <= 64 && isAlphanumeric(bytes[0])
            && bytes.allSatisfy { isAlphanumeric($0) || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "@"), UInt8(ascii: "-")].contains($0) }
        guard valid else {
            throw .invalidInput(
                "invalid key name \(String(reflecting: String(name.prefix(80)))): use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '@' and '-', starting with a letter or digit")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
