import Foundation
import HTTPTypes
import Testing

@testable import AWSSignatureV4

/// Requests signed by the real botocore (Fixtures/botocore_signed_requests.py): boto3's Lambda
/// client, the AWS CLI and botocore's signers, over real HTTP to a capture server. Each must verify, with the same
/// canonical request botocore signed; each kind of tampering must fail with its own error.
@Suite struct BotocoreTests {
    let capture: BotocoreCapture
    let verifier = SignatureVerifier()

    init() throws {
        capture = try BotocoreCapture.shared.get()
    }

    /// The requests meant to verify: all but the one signed for another service.
    var lambdaRequests: [BotocoreCapture.CapturedRequest] {
        capture.requests.filter { $0.service == "lambda" }
    }

    func store(_ request: BotocoreCapture.CapturedRequest) -> InMemoryCredentialStore {
        InMemoryCredentialStore([request.credentials])
    }

    @Test func everyRequestVerifies() async throws {
        #expect(lambdaRequests.count >= 35, "botocore \(capture.botocoreVersion)")
        for captured in lambdaRequests {
            let caller = try await verifier.verify(
                captured.signable, now: Date(timeIntervalSince1970: captured.receivedAt), credentials: store(captured))
            #expect(caller.accessKeyID == captured.accessKeyID, "\(captured.name)")
            #expect(caller.region == captured.region, "\(captured.name)")
            #expect(caller.form == (captured.presigned ? .presignedQuery : .authorizationHeader), "\(captured.name)")
            #expect(caller.signedAt == (try captured.signedAt), "\(captured.name)")
        }
    }

    @Test func theAWSCLIsRequestsAreAmongThem() {
        let cli = capture.requests.filter { $0.name.hasPrefix("cli-") }
        #expect(cli.map(\.name) == ["cli-invoke", "cli-get-function"])
        #expect(cli.allSatisfy { $0.headers.contains { $0[0] == "User-Agent" && $0[1].hasPrefix("aws-cli/") } })
        #expect(capture["cli-invoke"].target == "/2015-03-31/functions/my-function%3Aprod/invocations")
    }

    @Test func canonicalRequestsAreBotocores() throws {
        for captured in lambdaRequests where !captured.name.hasPrefix("cli-") {
            let request = captured.signable
            let claim = try SignatureClaim(parsing: request)
            let canonical = CanonicalRequest(
                request, signedHeaderNames: claim.signedHeaderNames,
                omittingQueryParameter: captured.presigned ? "X-Amz-Signature" : nil)
            #expect(canonical.text == captured.botocoreCanonicalRequest, "\(captured.name): \(captured.description)")
        }
    }

    @Test func canonicalPathsAreBotocores() {
        #expect(capture.canonicalPaths.count >= 30)
        for path in capture.canonicalPaths {
            #expect(CanonicalRequest.canonicalPath(path.raw, normalizing: true) == path.canonical, "\(path.raw.debugDescription)")
        }
    }

    /// What Hummingbird hands over: `Host` is the request's authority, the target is raw.
    @Test func verifiesTheHTTPRequestAServerFrameworkBuilds() async throws {
        for captured in lambdaRequests {
            let request = SignableRequest(captured.httpRequest, body: captured.body)
            #expect(request.headerFields[.init("Host")!] == nil)
            _ = try await verifier.verify(
                request, now: Date(timeIntervalSince1970: captured.receivedAt), credentials: store(captured))
        }
    }

    @Test func functionNamesWithColonsAreDoubleEncoded() throws {
        let invoke = capture["invoke-name-qualifier"]
        #expect(invoke.target == "/2015-03-31/functions/my-function%3Aprod/invocations")
        #expect(invoke.botocoreCanonicalRequest.contains("\n/2015-03-31/functions/my-function%253Aprod/invocations\n"))
        let arn = capture["get-function-configuration-arn"]
        #expect(arn.target.contains("arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Amy-function"))
        let space = capture["invoke-space-in-name"]
        #expect(space.botocoreCanonicalRequest.contains("/my%2520function/"))
    }

    @Test func aWrongSecretIsASignatureMismatch() async throws {
        for captured in lambdaRequests {
            var credentials = captured.credentials
            credentials.secretAccessKey = String(credentials.secretAccessKey.dropLast()) + "X"
            let error = await #expect(throws: SignatureVerificationError.self, "\(captured.name)") {
                try await verifier.verify(
                    captured.signable, now: Date(timeIntervalSince1970: captured.receivedAt),
                    credentials: InMemoryCredentialStore([credentials]))
            }
            guard case .signatureMismatch(let canonical, _) = error else {
                Issue.record("\(captured.name): \(String(describing: error))")
                continue
            }
            if !captured.name.hasPrefix("cli-") {
                #expect(canonical == captured.botocoreCanonicalRequest, "\(captured.name)")
            }
            #expect(error?.awsErrorCode == "InvalidSignatureException")
        }
    }

    @Test func anUnknownAccessKeyIsAnUnrecognizedClient() async throws {
        for captured in lambdaRequests {
            let error = await #expect(throws: SignatureVerificationError.unknownAccessKey(accessKeyID: captured.accessKeyID)) {
                try await verifier.verify(
                    captured.signable, now: Date(timeIntervalSince1970: captured.receivedAt),
                    credentials: InMemoryCredentialStore([]))
            }
            #expect(error?.awsErrorCode == "UnrecognizedClientException")
            #expect(error?.message == "The security token included in the request is invalid.")
        }
    }

    @Test func aTamperedBodyFails() async throws {
        for captured in lambdaRequests where !captured.body.isEmpty {
            var request = captured.signable
            var body = captured.body
            body[body.startIndex] ^= 0x01
            request.payloadSHA256Hex = SignableRequest(
                method: "POST", path: "/", headerFields: [:], body: body
            ).payloadSHA256Hex
            let error = await #expect(throws: SignatureVerificationError.self, "\(captured.name)") {
                try await verifier.verify(
                    request, now: Date(timeIntervalSince1970: captured.receivedAt), credentials: store(captured))
            }
            switch error {
            case .payloadHashMismatch:
                // The signature covers the declared hash; the body no longer matches it.
                #expect(captured.name == "content-sha256-header")
            case .signatureMismatch:
                // The signature covers the body's own hash.
                #expect(captured.name != "content-sha256-header")
            default:
                Issue.record("\(captured.name): \(String(describing: error))")
            }
        }
    }

    @Test func aTamperedPathQueryOrSignedHeaderFails() async throws {
        let now = { (captured: BotocoreCapture.CapturedRequest) in Date(timeIntervalSince1970: captured.receivedAt) }
        let invoke = capture["extra-signed-headers"]
        var request = invoke.signable
        request.path = request.path.replacingOccurrences(of: "my-function", with: "my-functiom")
        await #expect(throws: SignatureVerificationError.self) {
            try await verifier.verify(request, now: now(invoke), credentials: store(invoke))
        }
        request = invoke.signable
        request.query = "Qualifier=2"
        await #expect(throws: SignatureVerificationError.self) {
            try await verifier.verify(request, now: now(invoke), credentials: store(invoke))
        }
        request = invoke.signable
        request.headerFields[HTTPField.Name("X-Amz-Invocation-Type")!] = "Event"
        await #expect(throws: SignatureVerificationError.self) {
            try await verifier.verify(request, now: now(invoke), credentials: store(invoke))
        }
        let presigned = capture["presigned-get"]
        request = presigned.signable
        request.query = request.query.replacingOccurrences(of: "Qualifier=1", with: "Qualifier=2")
        await #expect(throws: SignatureVerificationError.self) {
            try await verifier.verify(request, now: now(presigned), credentials: store(presigned))
        }
        // Headers that were not signed may change: proxies add and alter them.
        request = invoke.signable
        request.headerFields[HTTPField.Name("X-Forwarded-For")!] = "127.0.0.2"
        request.headerFields[.userAgent] = "something else"
        _ = try await verifier.verify(request, now: now(invoke), credentials: store(invoke))
    }

    @Test func theClockMayBeFiveMinutesOffEitherWayAndNoMore() async throws {
        for captured in lambdaRequests where !captured.presigned {
            let signedAt = try captured.signedAt
            for offset in [-300.0, 300.0] {
                _ = try await verifier.verify(
                    captured.signable, now: signedAt.addingTimeInterval(offset), credentials: store(captured))
            }
            await #expect(throws: SignatureVerificationError.signatureExpired(
                signedAt: signedAt, now: signedAt.addingTimeInterval(301), allowedSkew: .seconds(300))) {
                try await verifier.verify(
                    captured.signable, now: signedAt.addingTimeInterval(301), credentials: store(captured))
            }
            await #expect(throws: SignatureVerificationError.signatureNotYetCurrent(
                signedAt: signedAt, now: signedAt.addingTimeInterval(-301), allowedSkew: .seconds(300))) {
                try await verifier.verify(
                    captured.signable, now: signedAt.addingTimeInterval(-301), credentials: store(captured))
            }
        }
    }

    @Test func aPresignedRequestIsValidUntilItExpires() async throws {
        for name in ["presigned-get", "presigned-session-token"] {
            let captured = capture[name]
            let signedAt = try captured.signedAt
            let expires = name == "presigned-get" ? 300.0 : 60.0
            _ = try await verifier.verify(
                captured.signable, now: signedAt.addingTimeInterval(expires), credentials: store(captured))
            await #expect(throws: SignatureVerificationError.presignedRequestExpired(
                signedAt: signedAt, expiresAt: signedAt.addingTimeInterval(expires),
                now: signedAt.addingTimeInterval(expires + 1))) {
                try await verifier.verify(
                    captured.signable, now: signedAt.addingTimeInterval(expires + 1), credentials: store(captured))
            }
            await #expect(throws: SignatureVerificationError.self) {
                try await verifier.verify(
                    captured.signable, now: signedAt.addingTimeInterval(-301), credentials: store(captured))
            }
        }
    }

    @Test func theSessionTokenMustBeTheCredentials() async throws {
        for name in ["session-token", "presigned-session-token"] {
            let captured = capture[name]
            let now = Date(timeIntervalSince1970: captured.receivedAt)
            for token in [nil, "another token"] as [String?] {
                var credentials = captured.credentials
                credentials.sessionToken = token
                await #expect(throws: SignatureVerificationError.invalidSessionToken(accessKeyID: captured.accessKeyID)) {
                    try await verifier.verify(
                        captured.signable, now: now, credentials: InMemoryCredentialStore([credentials]))
                }
            }
        }
        // A request without a token, for credentials that have one.
        let plain = capture["get-no-body"]
        var credentials = plain.credentials
        credentials.sessionToken = "a token"
        await #expect(throws: SignatureVerificationError.invalidSessionToken(accessKeyID: plain.accessKeyID)) {
            try await verifier.verify(
                plain.signable, now: Date(timeIntervalSince1970: plain.receivedAt),
                credentials: InMemoryCredentialStore([credentials]))
        }
    }

    @Test func anotherServicesSignatureIsRefused() async throws {
        let captured = capture["other-service"]
        let error = await #expect(throws: SignatureVerificationError.invalidCredentialScope(
            "Credential should be scoped to correct service: 'lambda'.")) {
            try await verifier.verify(
                captured.signable, now: Date(timeIntervalSince1970: captured.receivedAt), credentials: store(captured))
        }
        #expect(error?.awsErrorCode == "InvalidSignatureException")
    }

    @Test func anUnsignedRequestIsMissingAuthentication() async throws {
        let captured = capture["invoke"]
        var request = captured.signable
        request.headerFields[.authorization] = nil
        let error = await #expect(throws: SignatureVerificationError.missingAuthentication) {
            try await verifier.verify(
                request, now: Date(timeIntervalSince1970: captured.receivedAt), credentials: store(captured))
        }
        #expect(error?.awsErrorCode == "MissingAuthenticationTokenException")
    }
}
