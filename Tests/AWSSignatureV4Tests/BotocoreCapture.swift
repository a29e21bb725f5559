import Foundation
import HTTPTypes

@testable import AWSSignatureV4

/// What Fixtures/botocore_signed_requests.py prints: requests botocore signed, as a server got them.
struct BotocoreCapture: Decodable {
    struct CapturedRequest: Decodable, CustomStringConvertible {
        var name: String
        var description: String
        var method: String
        var target: String
        var headers: [[String]]
        var bodyBase64: String
        /// When the capture server received it (Unix seconds).
        var receivedAt: Double
        var accessKeyID: String
        var secretAccessKey: String
        var sessionToken: String?
        var region: String
        var service: String
        var presigned: Bool
        var botocoreCanonicalRequest: String

        var body: Data { Data(base64Encoded: bodyBase64)! }

        var credentials: AWSCredentials {
            AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
        }

        /// The request as a server that keeps every header (Host included) hands it over.
        var signable: SignableRequest {
            var fields = HTTPFields()
            for header in headers {
                fields.append(HTTPField(name: HTTPField.Name(header[0])!, value: header[1]))
            }
            let (path, query) = SignableRequest.split(target: target)
            return SignableRequest(method: method, path: path, query: query, headerFields: fields, body: body)
        }

        /// The request as swift-nio's HTTP/1 conversion builds it, and Hummingbird hands it over:
        /// `Host` moved into `authority`.
        var httpRequest: HTTPRequest {
            var fields = HTTPFields()
            var authority: String?
            for header in headers {
                if authority == nil, header[0].lowercased() == "host" {
                    authority = header[1]
                } else {
                    fields.append(HTTPField(name: HTTPField.Name(header[0])!, value: header[1]))
                }
            }
            return HTTPRequest(
                method: HTTPRequest.Method(method)!, scheme: "http", authority: authority, path: target,
                headerFields: fields)
        }

        /// The timestamp the request says it was signed at.
        var signedAt: Date {
            get throws { try SignatureClaim(parsing: signable).timestamp.date }
        }
    }

    struct CanonicalPath: Decodable {
        var raw: String
        var canonical: String
    }

    var botocoreVersion: String
    var requests: [CapturedRequest]
    /// botocore's canonical form of paths that no HTTP client would send as they are.
    var canonicalPaths: [CanonicalPath]

    subscript(name: String) -> CapturedRequest {
        requests.first { $0.name == name }!
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the script once per test process.
    static let shared: Result<BotocoreCapture, any Error> = Result { try run() }

    private static func run() throws -> BotocoreCapture {
        let script = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
            .appendingPathComponent("botocore_signed_requests.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ScriptFailed(description: "cannot start python3 (\(error)); these tests need python3 with boto3 (pip install boto3)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ScriptFailed(description: "\(script.lastPathComponent) exited with \(process.terminationStatus) (its stderr is above); it needs python3 with boto3 (pip install boto3)")
        }
        return try JSONDecoder().decode(BotocoreCapture.self, from: data)
    }
}
