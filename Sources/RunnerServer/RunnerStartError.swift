/// Why a runner could not start serving. Each says what to change.
public enum RunnerStartError: Error, Equatable, CustomStringConvertible {
    /// A system call failed (name and errno).
    case system(String, Int32)
    /// The address could not be bound or listened on.
    case cannotListen(address: String, reason: String)
    /// `run()` was called on a runner that already ran.
    case alreadyStarted

    public var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
        case .alreadyStarted: "this runner has already run; make a new one"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
