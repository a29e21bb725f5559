/// What a deploy stored: one Python source file, or a package zip (modules, maybe requirements).
public enum FunctionCode: Sendable, Equatable {
    case source(String)
    case zipPackage([UInt8])

    public var kind: Kind {
        switch self {
        case .source: .source
        case .zipPackage: .zipPackage
        }
    }

    /// The stored bytes: the source's UTF-8, or the zip as given. `code_sha256` and `code_size` are of
    /// these bytes, computed by the store, never taken from the client.
    public var bytes: [UInt8] {
        switch self {
        case .source(let text): Array(text.utf8)
        case .zipPackage(let bytes): bytes
        }
    }

    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case source
        case zipPackage = "zip"
    }
}
