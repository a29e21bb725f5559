#if canImport(Glibc)
import Glibc
#endif

/// Why the dispatcher's state directory, or something in it, could not be used.
public enum StateDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state directory exists but is not a real directory owned by this user with mode 0700.
    case notPrivate(path: String)
    /// A system call failed: what was attempted, and errno.
    case system(String, Int32)
    /// A file had another type than expected (a symlink or a FIFO where a regular file belongs).
    case unexpectedFileType(String)
    /// A name with a `/`, a NUL, or `.`/`..` was about to be used as a single path component.
    case invalidName(String)
    /// A directory above the state directory belongs to another user, or another user can write it.
    case unsafeAncestor(String)
    /// The directory exists, holds other things, and was not made by PyLambda.
    case notOurs(path: String)
    /// The state directory was named by a relative path (or `/` itself).
    case notAbsolute(path: String)

    public var description: String {
        switch self {
        case .notPrivate(let path):
            return "the state directory \(path) is not a directory owned by this user with mode 0700; remove it or choose another state directory (serve --state, DispatcherConfiguration.stateDirectory)"
        case .system(let what, let code):
            return "\(what): \(String(cString: strerror(code)))"
        case .unexpectedFileType(let path):
            return "\(path) is not a regular file; refusing to use it"
        case .invalidName(let name):
            return "\"\(name)\" is not a valid file name here"
        case .unsafeAncestor(let path):
            return "\(path), above the state directory, belongs to another user or can be written by its group or others (`chmod go-w \(path)` if it is yours); choose a state directory under directories only root or you control"
        case .notOurs(let path):
            return "\(path) already exists and holds files PyLambda did not make; choose another state directory"
        case .notAbsolute(let path):
            return "the state directory must be an absolute path below /, not \"\(path)\""
        }
    }
}
