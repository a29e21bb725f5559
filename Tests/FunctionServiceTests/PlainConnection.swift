import Foundation

/// A plain TCP connection to serve, for what an HTTP client library will not do: connect and send
/// nothing, or stop halfway through a request's head. Blocking, with a receive timeout, so that a
/// connection serve never closes fails the test instead of hanging it.
final class PlainConnection {
    private let descriptor: Int32
    let opened = ContinuousClock.now

    init(port: Int, timeoutSeconds: Int = 20) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ServeTestError("cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ServeTestError("send failed: errno \(errno)") }
            offset += written
        }
    }

    /// Reads until serve closes the connection: what it sent first, and how long after the
    /// connection opened it closed. Throws if it stays open past the receive timeout.
    func readUntilClosed() throws -> (received: String, after: Duration) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 || (count < 0 && errno == ECONNRESET) {
                return (String(decoding: received, as: UTF8.self), ContinuousClock.now - opened)
            }
            guard count > 0 else { throw ServeTestError("the connection is still open (errno \(errno))") }
            received.append(contentsOf: buffer[..<count])
        }
    }
}
