import Foundation

/// A plain socket to a server under test (the runner, serve), for what an HTTP client library will
/// not do: pipelined requests, malformed ones, chunked bodies split anywhere, HTTP/1.0,
/// `Expect: 100-continue` by hand, a connection that sends nothing or stops halfway through a head.
///
/// Blocking, with a receive timeout, so that a server that does not answer fails the test instead
/// of hanging it.
public final class RawConnection {
    public enum Address: Sendable {
        case tcp(port: Int)
        case unixSocket(path: String)
    }

    private let descriptor: Int32
    private var received: [UInt8] = []

    public init(_ address: Address, timeoutSeconds: Int = 20) throws {
        switch address {
        case .tcp(let port):
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
                throw RawConnectionError.cannotConnect(errno)
            }
        case .unixSocket(let path):
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: path.utf8)
                raw[path.utf8.count] = 0
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard connected == 0 else {
                close(descriptor)
                throw RawConnectionError.cannotConnect(errno)
            }
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw RawConnectionError.sendFailed(errno) }
            offset += written
        }
    }

    /// Closes the sending side (the client is done; it still reads).
    public func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    public struct Response {
        public var status: Int
        public var headers: [(String, String)]
        public var body: String

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Reads one response (status line, fields, Content-Length body); nil at end of stream.
    public func readResponse(isHead: Bool = false) throws -> Response? {
        guard let headEnd = try readUntilBlankLine() else { return nil }
        let head = String(decoding: received[..<headEnd], as: UTF8.self)
        received.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawConnectionError.malformedResponse(head) }
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        var response = Response(status: status, headers: headers, body: "")
        guard status >= 200, !isHead else { return response }
        let length = Int(response.header("Content-Length") ?? "0") ?? 0
        while received.count < length {
            guard try receiveMore() else { throw RawConnectionError.truncated }
        }
        response.body = String(decoding: received[..<length], as: UTF8.self)
        received.removeFirst(length)
        return response
    }

    /// Whether the server closed the connection (reads to its end; anything received first is kept,
    /// in `receivedText`). False when the receive timeout passed first.
    public func isClosedByPeer() throws -> Bool {
        while true {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
            received.append(contentsOf: buffer[..<count])
        }
    }

    /// What was received and not read as a response.
    public var receivedText: String { String(decoding: received, as: UTF8.self) }

    private func readUntilBlankLine() throws -> Int? {
        while true {
            if received.count >= 4 {
                for index in 0...(received.count - 4) where received[index] == 13 && received[index + 1] == 10 && received[index + 2] == 13 && received[index + 3] == 10 {
                    return index
                }
            }
            guard try receiveMore() else {
                if received.isEmpty { return nil }
                throw RawConnectionError.truncated
            }
        }
    }

    private func receiveMore() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count == 0 { return false }
        if count < 0 {
            if errno == ECONNRESET { return false }
            throw RawConnectionError.receiveFailed(errno)
        }
        received.append(contentsOf: buffer[..<count])
        return true
    }
}

public enum RawConnectionError: Error {
    case cannotConnect(Int32)
    case sendFailed(Int32)
    case receiveFailed(Int32)
    case malformedResponse(String)
    case truncated
}
