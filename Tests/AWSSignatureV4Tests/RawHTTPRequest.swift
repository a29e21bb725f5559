import Foundation
import HTTPTypes

@testable import AWSSignatureV4

/// Reads the test suite's request files: a request line, `Name:value` header lines (a line starting
/// with whitespace continues the previous value), an empty line, then the body.
enum RawHTTPRequest {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> SignableRequest {
        let (head, body) = split(text)
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { throw ParseError(description: "no request line") }
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "), let lastSpace = requestLine.lastIndex(of: " "),
            firstSpace < lastSpace
        else { throw ParseError(description: "bad request line '\(requestLine)'") }
        let method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])

        var fields: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1].value += "\n" + line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw ParseError(description: "bad header '\(line)'") }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        var headerFields = HTTPFields()
        for field in fields {
            guard let name = HTTPField.Name(field.name) else {
                throw ParseError(description: "bad header name '\(field.name)'")
            }
            headerFields.append(HTTPField(name: name, value: field.value))
        }
        let (path, query) = SignableRequest.split(target: target)
        return SignableRequest(method: method, path: path, query: query, headerFields: headerFields, body: Array(body.utf8))
    }

    /// The head (request line and headers) and the body, split at the first empty line.
    private static func split(_ text: String) -> (head: String, body: String) {
        guard let range = text.range(of: "\n\n") else { return (text, "") }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }
}
