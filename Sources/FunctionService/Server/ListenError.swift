import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// serve could not listen where it was told to: the address is taken (another serve?), not this
/// machine's, or a port below 1024 without the right to it.
public struct ListenError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// The bind's errno.
    public let code: Int32

    /// The bind failures an operator fixes with `--host` or `--port`; nil for anything else.
    init?(_ error: any Error, host: String, port: Int) {
        guard let error = error as? IOError, [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(error.errnoCode) else { return nil }
        self.host = host
        self.port = port
        code = error.errnoCode
    }

    public var description: String {
        let reason = switch code {
        case EADDRINUSE: "the address is in use (another pylambda serve, or another server?); choose another --port"
        case EADDRNOTAVAIL: "\(host) is not an address of this machine; choose another --host"
        default: "permission denied (a port below 1024 needs privileges); choose another --port"
        }
        return "cannot listen on \(host):\(port): \(reason)"
    }
}
