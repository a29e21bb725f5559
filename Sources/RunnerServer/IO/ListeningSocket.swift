#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The socket the runner accepts connections on: TCP, or a Unix socket that the dispatcher reaches
/// through a bind-mounted directory.
///
/// A Unix socket's directory may be sealed by the host once the socket exists (made read-only to the
/// runner, so that user code cannot replace the socket): after `bind` the runner creates and removes
/// nothing there, not even the socket when it exits.
struct ListeningSocket: ~Copyable {
    let descriptor: Int32
    let isTCP: Bool
    /// The bound TCP port (the one the kernel chose for port 0), or nil for a Unix socket.
    let port: Int?

    static let backlog: Int32 = 1024

    static func bind(_ address: RunnerConfiguration.Address) throws(RunnerStartError) -> ListeningSocket {
        switch address {
        case .tcp(let host, let port): try bindTCP(host: host, port: port)
        case .unixSocket(let path): try bindUnix(path: path)
        }
    }

    deinit {
        close(descriptor)
    }

    private init(descriptor: Int32, isTCP: Bool, port: Int?) {
        self.descriptor = descriptor
        self.isTCP = isTCP
        self.port = port
    }

    /// Accepts one pending connection, non-blocking; nil when none waits (or the process is out of
    /// descriptors, which the next event retries).
    func accept() -> Int32? {
        while true {
            let fd = clinux_accept(descriptor)
            if fd >= 0 {
                if isTCP {
                    var on: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                }
                return fd
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            default: return nil
            }
        }
    }

    private static func bindTCP(host: String, port: Int) throws(RunnerStartError) -> ListeningSocket {
        let name = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw .cannotListen(address: name, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(results) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw .cannotListen(address: name, reason: String(cString: strerror(code)))
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let boundPort = withUnsafeMutablePointer(to: &bound) { storage in
            storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        } == 0 ? portNumber(of: bound) : port
        return ListeningSocket(descriptor: fd, isTCP: true, port: boundPort)
    }

    private static func portNumber(of address: sockaddr_storage) -> Int {
        var address = address
        return withUnsafePointer(to: &address) { storage in
            if Int32(storage.pointee.ss_family) == AF_INET6 {
                return storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    private static func bindUnix(path: String) throws(RunnerStartError) -> ListeningSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw .cannotListen(address: path, reason: "a Unix socket path must be shorter than \(capacity) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        // A socket left by an earlier runner in the same directory would make bind fail. Only a socket
        // is removed: anything else at that path is a mistake to report, not to delete.
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                throw .cannotListen(address: path, reason: "something other than a socket is already there")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        // The dispatcher may run as another user than the runner: the socket is made 0666 by the umask
        // at bind, not by a chmod afterwards, which gVisor refuses on a socket on a host file system
        // (`--host-uds=create`). The umask is the process's, but nothing else creates files while the
        // runner starts to listen.
        let previousMask = umask(0o111)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bindError = errno
        umask(previousMask)
        errno = bindError
        guard bound == 0, listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw .cannotListen(address: path, reason: String(cString: strerror(code)))
        }
        return ListeningSocket(descriptor: fd, isTCP: false, port: nil)
    }
}
