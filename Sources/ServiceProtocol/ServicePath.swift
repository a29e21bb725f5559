/// The function service's HTTP API (`pylambda serve`), shared by the server and its clients (the
/// `pylambda deploy/invoke/functions/invocations/keys` commands) so that both sides agree on every
/// path, header and body. Its OpenAPI 3.1 document is served at `GET /openapi.json`.
///
/// A name or id in a path is percent-encoded: whatever a user typed stays one path component, so
/// that `echo/invoke?mode=async` cannot become another request than the one asked for.
public enum ServicePath {
    public static let functions = "/v1/functions"
    public static func function(_ name: String) -> String { "\(functions)/\(percentEncoded(name))" }
    public static func versions(_ name: String) -> String { "\(function(name))/versions" }
    public static func invoke(_ name: String) -> String { "\(function(name))/invoke" }
    public static func functionInvocations(_ name: String) -> String { "\(function(name))/invocations" }
    public static let invocations = "/v1/invocations"
    public static func invocation(_ id: String) -> String { "\(invocations)/\(percentEncoded(id))" }
    public static let keys = "/v1/keys"
    public static func key(_ name: String) -> String { "\(keys)/\(percentEncoded(name))" }

    /// `value` with every byte but `A-Z a-z 0-9 - _ ~` percent-encoded (`.` too: `.` and `..` are
    /// path segments of their own), for a path component or a query value.
    public static func percentEncoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
    public static let health = "/healthz"
    public static let metrics = "/metrics"
    public static let openAPI = "/openapi.json"
}

public enum ServiceHeader {
    /// Response: the id of the invocation the request made (every invoke answer carries it).
    public static let invocationID = "X-Invocation-Id"
    /// Response: the function version that ran.
    public static let functionVersion = "X-Function-Version"
    /// Request `true`: the answer carries the last 4 KiB of the call's output, base64, in this header.
    public static let logTail = "X-Log-Tail"
    /// Response: the function raised (`Unhandled`), as on the runner.
    public static let functionError = "X-Function-Error"
}

/// Query parameters of `POST /v1/functions/{name}/invoke`.
public enum InvokeQuery {
    /// `async`: queue the call (202 with its id) instead of waiting for its result.
    public static let mode = "mode"
    public static let asyncMode = "async"
    /// Call this older version instead of the latest.
    public static let version = "version"
}

/// The rules every function name follows: what a DNS label allows, and short.
public enum FunctionNameRule {
    public static let pattern = "^[a-z0-9][a-z0-9_-]{0,63}$"

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isLowerAlphanumeric(first) else { return false }
        return bytes.dropFirst().allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
