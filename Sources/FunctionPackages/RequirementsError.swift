/// Why a `requirements.txt` was refused. Each names the line.
public enum RequirementsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An option the dependency store does not pass on (`-r`, `-e`, `--no-binary`, ...).
    case unsupportedOption(line: Int, option: String, reason: String)
    /// A line that is neither an option nor a requirement naming a package.
    case invalidRequirement(line: Int, text: String, reason: String)
    case tooLarge(bytes: Int, limit: Int)
    case notUTF8

    public var description: String {
        switch self {
        case .unsupportedOption(let line, let option, let reason):
            return "requirements line \(line): \(option) is not supported: \(reason). Supported options: --index-url, --extra-index-url, --find-links, --no-index, and --hash on a requirement"
        case .invalidRequirement(let line, let text, let reason):
            return "requirements line \(line): \(PackageError.quoted(text)): \(reason)"
        case .tooLarge(let bytes, let limit):
            return "the requirements file is \(bytes) bytes, over the limit of \(limit) (PackageLimits.maxRequirementsBytes)"
        case .notUTF8:
            return "the requirements file is not UTF-8 text"
        }
    }
}
