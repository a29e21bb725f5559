import Foundation
import HTTPTypes
import Testing

@testable import AWSSignatureV4

/// Whatever a client sends, the verifier answers with a typed error that says what is wrong, and
/// never crashes or accepts it.
@Suite struct MalformedRequestTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret/+key")
    static let now = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
    static let store = InMemoryCredentialStore([credentials])

    /// A valid request signed the way boto3 signs one.
    static func signed(query: String = "", headers: HTTPFields = [:]) -> SignableRequest {
        var fields = headers
        fields[HTTPField.Name("Host")!] = "127.0.0.1:8900"
        let request = SignableRequest(
            method: "POST", path: "/2015-03-31/functions/f/invocations", query: query, headerFields: fields,
            body: Array("{}".utf8))
        return RequestSigner(credentials: credentials, region: "us-east-1").sign(request, at: now).request
    }

    static func presigned(query: String = "") throws -> SignableRequest {
        let request = SignableRequest(
            method: "GET", path: "/2015-03-31/functions/f", query: query,
            headerFields: [HTTPField.Name("Host")!: "127.0.0.1:8900"], body: [UInt8]())
        return try RequestSigner(credentials: credentials, region: "us-east-1").presign(request, at: now, expiresIn: 60)
            .request
    }

    func verify(_ request: SignableRequest) async throws -> VerifiedCaller {
        try await SignatureVerifier().verify(request, now: Self.now, credentials: Self.store)
    }

    func expectIncomplete(_ request: SignableRequest, containing text: String, sourceLocation: SourceLocation = #_sourceLocation)
        async
    {
        let error = await #expect(throws: SignatureVerificationError.self, sourceLocation: sourceLocation) {
            try await verify(request)
        }
        guard case .incompleteSignature(let message) = error else {
            Issue.record("expected incompleteSignature, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(message.contains(text), "\(message)", sourceLocation: sourceLocation)
        #expect(error?.awsErrorCode == "IncompleteSignatureException", sourceLocation: sourceLocation)
    }

    func withAuthorization(_ value: String?) -> SignableRequest {
        var request = Self.signed()
        request.headerFields[.authorization] = value
        return request
    }

    var validAuthorization: String { Self.signed().headerFields[.authorization]! }

    @Test func theValidRequestsVerify() async throws {
        _ = try await verify(Self.signed())
        _ = try await verify(try Self.presigned())
        _ = try await verify(try Self.presigned(query: "Qualifier=1&empty&odd=%zz"))
    }

    @Test func malformedAuthorizationHeaders() async {
        await expectIncomplete(withAuthorization("Bearer abc"), containing: "only AWS4-HMAC-SHA256")
        await expectIncomplete(withAuthorization("AWS4-HMAC-SHA2566 Credential=x"), containing: "only AWS4-HMAC-SHA256")
        await expectIncomplete(withAuthorization(""), containing: "only AWS4-HMAC-SHA256")
        await expectIncomplete(
            withAuthorization("AWS4-HMAC-SHA256"),
            containing: "requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.")
        await expectIncomplete(
            withAuthorization(validAuthorization.replacingOccurrences(of: ", Signature=", with: ", Sig=")),
            containing: "requires 'Signature' parameter")
        await expectIncomplete(
            withAuthorization(validAuthorization.replacingOccurrences(of: "Signature=", with: "Signature")),
            containing: "not a valid key=value pair (missing equal-sign)")
        await expectIncomplete(
            withAuthorization(validAuthorization + ", Signature=abc"), containing: "more than one 'Signature'")
        await expectIncomplete(
            withAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda, SignedHeaders=host, Signature=a"),
            containing: "Credential must have the form")
        await expectIncomplete(
            withAuthorization("AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=a"),
            containing: "Credential must have the form")
        var twice = Self.signed()
        twice.headerFields.append(HTTPField(name: .authorization, value: validAuthorization))
        await expectIncomplete(twice, containing: "more than one Authorization header")
    }

    @Test func credentialScopes() async {
        let cases: [(String, String)] = [
            ("/20150830/us-east-1/lambda/aws4_request", "/20150830/us-east-1/lambda/aws5_request"),
            ("/20150830/us-east-1/lambda/aws4_request", "/20150830/us east/lambda/aws4_request"),
            ("/20150830/us-east-1/lambda/aws4_request", "/20150830/-us/lambda/aws4_request"),
            ("/20150830/us-east-1/lambda/aws4_request", "/20150830//lambda/aws4_request"),
            ("/20150830/us-east-1/lambda/aws4_request", "/20150831/us-east-1/lambda/aws4_request"),
            ("/20150830/us-east-1/lambda/aws4_request", "/20150830/us-east-1/s3/aws4_request"),
        ]
        let messages = [
            "valid terminator: 'aws4_request', not 'aws5_request'", "valid region, not 'us east'",
            "valid region, not '-us'", "valid region, not ''",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from 'X-Amz-Date'.",
            "Credential should be scoped to correct service: 'lambda'.",
        ]
        for ((old, new), expected) in zip(cases, messages) {
            let request = withAuthorization(validAuthorization.replacingOccurrences(of: old, with: new))
            let error = await #expect(throws: SignatureVerificationError.self) { try await verify(request) }
            guard case .invalidCredentialScope(let message) = error else {
                Issue.record("\(new): \(String(describing: error))")
                continue
            }
            #expect(message.contains(expected), "\(message)")
            #expect(error?.awsErrorCode == "InvalidSignatureException")
        }
    }

    @Test func timestamps() async {
        var request = Self.signed()
        request.headerFields[HTTPField.Name("X-Amz-Date")!] = nil
        await expectIncomplete(request, containing: "requires existence of either a 'X-Amz-Date' or a 'Date' header")
        request.headerFields[HTTPField.Name("Date")!] = "yesterday"
        await expectIncomplete(request, containing: "Date must be in the HTTP date format (RFC 5322), not 'yesterday'")
        request = Self.signed()
        request.headerFields[HTTPField.Name("X-Amz-Date")!] = "2015-08-30T12:36:00Z"
        await expectIncomplete(request, containing: "X-Amz-Date must be in the ISO8601 basic format")
        request = Self.signed()
        request.headerFields.append(HTTPField(name: HTTPField.Name("X-Amz-Date")!, value: "20150830T123600Z"))
        await expectIncomplete(request, containing: "more than one X-Amz-Date header")
    }

    @Test func signedHeaders() async {
        await expectIncomplete(
            withAuthorization(validAuthorization.replacingOccurrences(of: "SignedHeaders=host;", with: "SignedHeaders=")),
            containing: "'Host' or ':authority' must be a 'SignedHeader'")
        await expectIncomplete(
            withAuthorization(validAuthorization.replacingOccurrences(of: "SignedHeaders=host;", with: "SignedHeaders=host;x-absent;")),
            containing: "does not have the header 'x-absent'")
        await expectIncomplete(
            withAuthorization(validAuthorization.replacingOccurrences(of: "SignedHeaders=host;", with: "SignedHeaders=host;bad name;")),
            containing: "does not have the header 'bad name'")
        // The signer's list, reordered or in another case, is still the same set of headers.
        let shuffled = validAuthorization.replacingOccurrences(
            of: "SignedHeaders=host;x-amz-date", with: "SignedHeaders=X-Amz-Date;HOST")
        #expect(shuffled != validAuthorization)
        await #expect(throws: Never.self) { _ = try await verify(withAuthorization(shuffled)) }
    }

    @Test func presignedQueries() async throws {
        let valid = try Self.presigned().query
        var request = try Self.presigned()
        request.headerFields[.authorization] = validAuthorization
        await expectIncomplete(request, containing: "Only one auth mechanism allowed")
        for (name, replacement) in [("X-Amz-Date=", "X-Amz-Datum="), ("X-Amz-Expires=", "X-Amz-Expiry="), ("X-Amz-Credential=", "X-Amz-Cred=")] {
            request = try Self.presigned()
            request.query = valid.replacingOccurrences(of: name, with: replacement)
            await expectIncomplete(request, containing: "AWS query-string parameters must include '\(name.dropLast())'")
        }
        for expires in ["0", "604801", "-1", "abc", "99999999999999999999", "1.5", ""] {
            request = try Self.presigned()
            request.query = valid.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=\(expires)")
            await expectIncomplete(
                request, containing: expires.isEmpty ? "must include 'X-Amz-Expires'" : "X-Amz-Expires must be a whole number")
        }
        request = try Self.presigned()
        request.query = valid.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-HMAC-SHA512")
        await expectIncomplete(request, containing: "X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'")
        request = try Self.presigned()
        request.query = valid.replacingOccurrences(of: "X-Amz-Date=20150830T123600Z", with: "X-Amz-Date=yesterday")
        await expectIncomplete(request, containing: "X-Amz-Date must be in the ISO8601 basic format")
        request = try Self.presigned()
        request.query = valid + "&X-Amz-Expires=60"
        await expectIncomplete(request, containing: "more than one 'X-Amz-Expires'")
    }

    @Test func payloadHashes() async throws {
        for declared in ["UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "abc", String(repeating: "g", count: 64)] {
            let request = Self.signed(headers: [HTTPField.Name("X-Amz-Content-SHA256")!: declared])
            let error = await #expect(throws: SignatureVerificationError.self) { try await verify(request) }
            #expect(error == .unsignedPayload(declared: declared))
        }
        var request = Self.signed()
        request.headerFields.append(HTTPField(name: HTTPField.Name("X-Amz-Content-SHA256")!, value: request.payloadSHA256Hex))
        request.headerFields.append(HTTPField(name: HTTPField.Name("X-Amz-Content-SHA256")!, value: request.payloadSHA256Hex))
        await expectIncomplete(request, containing: "more than one X-Amz-Content-SHA256 header")
        // Uppercase hex is the same hash.
        let uppercase = Self.signed(headers: [
            HTTPField.Name("X-Amz-Content-SHA256")!: Self.signed().payloadSHA256Hex.uppercased()
        ])
        _ = try await verify(uppercase)
    }

    @Test func signaturesOfAnyShapeAreMismatches() async {
        let signature = String(validAuthorization.split(separator: "=").last!)
        for forged in ["0", String(repeating: "0", count: 64), signature.uppercased(), signature + "0", "zz", "ሴ"] {
            let request = withAuthorization(validAuthorization.replacingOccurrences(of: "Signature=\(signature)", with: "Signature=\(forged)"))
            let error = await #expect(throws: SignatureVerificationError.self) { try await verify(request) }
            guard case .signatureMismatch = error else {
                Issue.record("\(forged): \(String(describing: error))")
                continue
            }
        }
    }

    @Test func hostileValuesAreQuotedShortAndClean() async throws {
        // A header cannot carry control characters (swift-http-types turns them into spaces), but a
        // percent-encoded query can.
        let region = "us%1B[31m-east" + String(repeating: "x", count: 5000)
        var request = try Self.presigned()
        request.query = request.query.replacingOccurrences(of: "%2Fus-east-1%2F", with: "%2F\(region)%2F")
        let error = await #expect(throws: SignatureVerificationError.self) { try await verify(request) }
        guard case .invalidCredentialScope(let message) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(!message.contains("\u{1B}"))
        #expect(message.count < 200)
        #expect(message.contains("not 'us?[31m-eastxxx"), "\(message)")
        #expect(message.hasSuffix("xxx...'."), "\(message)")
    }

    @Test func hugeAndOddInputsDoNotCrash() async throws {
        var request = Self.signed(query: String(repeating: "a=%&", count: 20_000))
        request.path = String(repeating: "/..", count: 10_000) + String(repeating: "%", count: 10_000)
        request.headerFields[HTTPField.Name("X-Big")!] = String(repeating: " b ", count: 300_000)
        await #expect(throws: SignatureVerificationError.self) { try await verify(request) }
        let garbage = ["", ",", "AWS4-HMAC-SHA256 ,,,", "AWS4-HMAC-SHA256 =", "AWS4-HMAC-SHA256 Credential==", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f/g",
                       "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;;, Signature=", "AWS4-HMAC-SHA256 \u{0}\u{FFFF}"]
        for value in garbage {
            await #expect(throws: SignatureVerificationError.self, "\(value.debugDescription)") {
                try await verify(withAuthorization(value))
            }
        }
        var presigned = try Self.presigned()
        presigned.query = "X-Amz-Algorithm&X-Amz-Signature=%%%&X-Amz-Credential=%FF%FE"
        await #expect(throws: SignatureVerificationError.self) { try await verify(presigned) }
    }
}
