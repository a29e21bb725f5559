/// Why a package was refused or could not be written. Each message names the file or the limit, so
/// that the author can fix the package without guessing.
public enum PackageError: Error, Sendable, Equatable, CustomStringConvertible {
    case packedSizeExceeded(bytes: Int, limit: Int)
    /// `bytes` is as far as inflating got before it was stopped, so the real size may be larger.
    case unpackedSizeExceeded(bytes: Int64, limit: Int64)
    case fileCountExceeded(count: Int, limit: Int)
    /// A name that could land outside the package or that the host cannot write faithfully.
    case unsafePath(path: String, reason: String)
    /// Two entries that are the same file once names are normalised (`a/./b` and `a/b`, NFD and NFC),
    /// or a file where another entry needs a directory.
    case duplicatePath(path: String)
    case symlink(path: String)
    /// An entry the reader does not handle: encryption, a compression method other than stored and
    /// deflate, a device or FIFO.
    case unsupportedEntry(path: String, reason: String)
    case corruptZip(reason: String)
    case invalidHandler(handler: String, reason: String)
    /// The handler's module is not a file of the package.
    /// `folder`: the one folder every file of the package is in, when they all are (a zip of the
    /// project's folder rather than of its contents).
    case handlerModuleMissing(handler: String, expected: [String], folder: String? = nil)
    case invalidRequirements(RequirementsError)
    /// A single-file function whose source cannot be handed to the runner.
    case invalidSource(path: String, reason: String)
    case notFound(path: String)
    /// The target of `extract(to:)` is not an empty real directory.
    case extractionTargetUnusable(path: String, reason: String)
    case fileSystem(FileSystemError)

    public var description: String {
        switch self {
        case .packedSizeExceeded(let bytes, let limit):
            return "the package is \(bytes) bytes packed, over the limit of \(limit) bytes (\(Self.mebibytes(Int64(limit)))) (PackageLimits.maxPackedBytes)"
        case .unpackedSizeExceeded(let bytes, let limit):
            return "the package unpacks to more than \(limit) bytes (\(Self.mebibytes(limit))): at least \(bytes) bytes (PackageLimits.maxUnpackedBytes)"
        case .fileCountExceeded(let count, let limit):
            return "the package has \(count) files and directories, over the limit of \(limit) (PackageLimits.maxFileCount)"
        case .unsafePath(let path, let reason):
            return "refused the entry \(Self.quoted(path)): \(reason)"
        case .duplicatePath(let path):
            return "refused the entry \(Self.quoted(path)): another entry has the same path once names are normalised"
        case .symlink(let path):
            return "refused the entry \(Self.quoted(path)): symbolic links are not allowed in a package (copy the file instead)"
        case .unsupportedEntry(let path, let reason):
            return "refused the entry \(Self.quoted(path)): \(reason)"
        case .corruptZip(let reason):
            return "not a usable zip file: \(reason)"
        case .invalidHandler(let handler, let reason):
            return "invalid handler \(Self.quoted(handler)): \(reason)"
        case .handlerModuleMissing(let handler, let expected, let folder?):
            return "the handler \(Self.quoted(handler)) names a module the package does not have: expected \(expected.joined(separator: " or ")); all of the package's files are in the folder \(Self.quoted(folder + "/")): zip the folder's contents, not the folder"
        case .handlerModuleMissing(let handler, let expected, nil):
            return "the handler \(Self.quoted(handler)) names a module the package does not have: expected \(expected.joined(separator: " or ")) (or name another handler: module.function)"
        case .invalidRequirements(let error):
            return error.description
        case .invalidSource(let path, let reason):
            return "\(path): \(reason)"
        case .notFound(let path):
            return "\(path): no such file or directory"
        case .extractionTargetUnusable(let path, let reason):
            return "cannot extract into \(path): \(reason)"
        case .fileSystem(let error):
            return error.description
        }
    }

    static func mebibytes(_ bytes: Int64) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// A name from a hostile zip, shown with control characters escaped so it cannot rewrite a
    /// terminal line.
    static func quoted(_ path: String) -> String {
        var result = "\""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "\"", "\\": result += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                result += "\\x" + String(scalar.value, radix: 16, uppercase: false).leftPadded(to: 2)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
