import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What was wrong with a request's body, in words a client can act on: both APIs answer 400 with it.
enum RequestBodyError {
    /// The body's framing (chunk sizes, a body cut short, an unknown transfer coding), which NIO's
    /// parser reports while the handler reads the body.
    static func describe(_ error: HTTPParserError) -> String {
        "the request body could not be read: \(error)"
    }

    /// JSON that does not decode into what the endpoint takes, naming the field when there is one.
    static func describe(_ error: DecodingError) -> String {
        let (path, reason): ([any CodingKey], String) =
            switch error {
            case .typeMismatch(let type, let context): (context.codingPath, "expected \(type)")
            case .valueNotFound(let type, let context): (context.codingPath, "expected \(type), found null")
            case .keyNotFound(let key, let context): (context.codingPath + [key], "missing")
            case .dataCorrupted(let context): (context.codingPath, context.debugDescription)
            @unknown default: ([], "\(error)")
            }
        let field = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return field.isEmpty
            ? "the body is not the JSON this endpoint takes: \(reason)"
            : "the body is not the JSON this endpoint takes: \(field): \(reason)"
    }
}
