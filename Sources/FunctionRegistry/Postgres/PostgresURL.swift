#if canImport(Glibc)
import Glibc
#endif

/// A `postgres://` or `postgresql://` URL, read the way libpq reads it, so that what works with
/// `psql` works with `--database`:
///
///     postgres://user:password@host:5432/database?sslmode=require
///     postgres://user@/database?host=/run/postgresql        (Unix socket in that directory)
///     postgres://user@%2Frun%2Fpostgresql/database           (the same, host percent-encoded)
///
/// Query parameters `host`, `port`, `user`, `password`, `dbname` and `sslmode` override the parts
/// before them; others are refused, so that a typo does not silently connect somewhere else.
struct PostgresURL: Equatable, Sendable {
    enum Endpoint: Equatable, Sendable {
        case tcp(host: String, port: Int)
        /// The socket file, `<directory>/.s.PGSQL.<port>`.
        case unixSocket(path: String)
    }

    /// libpq's modes. `prefer` and `require` encrypt without checking the certificate (as libpq does);
    /// `verify-ca` checks the chain, `verify-full` the host name too.
    enum TLSMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var endpoint: Endpoint
    var username: String
    var password: String?
    var database: String
    var tlsMode: TLSMode

    /// The URL without the password, for messages and logs.
    var redacted: String {
        switch endpoint {
        case .tcp(let host, let port): "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        case .unixSocket(let path): "postgres://\(username)@/\(database)?host=\(path)"
        }
    }

    init(_ text: String) throws(RegistryError) {
        let invalid = { (reason: String) in
            RegistryError.invalidInput("invalid PostgreSQL URL (\(reason)); expected postgres://user:password@host:port/database")
        }
        guard let schemeEnd = text.range(of: "://"),
            ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound].lowercased())
        else { throw invalid("it must start with postgres:// or postgresql://") }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }

        var username: String?
        var password: String?
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.decode(userInfo[..<colon], invalid)
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], invalid)
            } else {
                username = try Self.decode(userInfo, invalid)
            }
        }
        var host = ""
        var port = 5432
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unclosed [ in the host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = try Self.port(after.dropFirst(), invalid) } else if !after.isEmpty { throw invalid("unexpected text after the host") }
        } else if let colon = rest.lastIndex(of: ":") {
            host = try Self.decode(rest[..<colon], invalid)
            port = try Self.port(rest[rest.index(after: colon)...], invalid)
        } else {
            host = try Self.decode(rest, invalid)
        }
        var database = path.isEmpty ? nil : try Self.decode(path, invalid)
        var tlsMode = TLSMode.prefer

        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0], invalid)
            let value = parts.count > 1 ? try Self.decode(parts[1], invalid) : ""
            switch key {
            case "host": host = value
            case "port": port = try Self.port(Substring(value), invalid)
            case "user": username = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw invalid("sslmode must be disable, allow, prefer, require, verify-ca or verify-full")
                }
                tlsMode = mode
            default:
                throw invalid("unknown parameter \(key); known: host, port, user, password, dbname, sslmode")
            }
        }

        let user = username.flatMap { $0.isEmpty ? nil : $0 } ?? Self.currentUserName()
        self.username = user
        self.password = password
        self.database = database.flatMap { $0.isEmpty ? nil : $0 } ?? user
        self.tlsMode = tlsMode
        if host.hasPrefix("/") {
            endpoint = .unixSocket(path: host + "/.s.PGSQL.\(port)")
        } else {
            endpoint = .tcp(host: host.isEmpty ? "localhost" : host, port: port)
        }
    }

    private static func port(_ text: Substring, _ invalid: (String) -> RegistryError) throws(RegistryError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw invalid("the port must be from 1 to 65535") }
        return port
    }

    /// Percent-decoding; a malformed escape is an error rather than a silently different name.
    private static func decode(_ text: Substring, _ invalid: (String) -> RegistryError) throws(RegistryError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { throw invalid("a malformed %-escape") }
            bytes.append(value)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw invalid("a %-escape that is not UTF-8") }
        return decoded
    }

    /// libpq's default user: the operating system user.
    private static func currentUserName() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "postgres" }
        return String(cString: name)
    }
}
