/// The response statuses the runner sends, each with its preformatted status line.
public struct HTTPStatus: Hashable, Sendable, CustomStringConvertible {
    public let code: Int
    /// "HTTP/1.1 <code> <reason>\r\n", ready to be written.
    let statusLine: StaticString

    private init(_ code: Int, _ statusLine: StaticString) {
        self.code = code
        self.statusLine = statusLine
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { String(code) }

    public static let ok = Self(200, "HTTP/1.1 200 OK\r\n")
    public static let badRequest = Self(400, "HTTP/1.1 400 Bad Request\r\n")
    public static let notFound = Self(404, "HTTP/1.1 404 Not Found\r\n")
    public static let methodNotAllowed = Self(405, "HTTP/1.1 405 Method Not Allowed\r\n")
    public static let contentTooLarge = Self(413, "HTTP/1.1 413 Content Too Large\r\n")
    public static let expectationFailed = Self(417, "HTTP/1.1 417 Expectation Failed\r\n")
    public static let requestHeaderFieldsTooLarge = Self(431, "HTTP/1.1 431 Request Header Fields Too Large\r\n")
    public static let internalServerError = Self(500, "HTTP/1.1 500 Internal Server Error\r\n")
    public static let notImplemented = Self(501, "HTTP/1.1 501 Not Implemented\r\n")
    public static let serviceUnavailable = Self(503, "HTTP/1.1 503 Service Unavailable\r\n")
    public static let gatewayTimeout = Self(504, "HTTP/1.1 504 Gateway Timeout\r\n")
    public static let httpVersionNotSupported = Self(505, "HTTP/1.1 505 HTTP Version Not Supported\r\n")
}
