import Foundation
import HTTPTypes
import Testing

@testable import AWSSignatureV4

/// What `RequestSigner` signs, `SignatureVerifier` accepts, for requests of every shape.
@Suite struct RoundTripTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIAROUNDTRIP", secretAccessKey: "s3cr3t/+=")
    static let now = Date(timeIntervalSince1970: 1_795_800_000)

    /// A deterministic generator (SplitMix64): the same "random" requests on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Characters a request target may carry, escapes and dot segments included.
    static let pieces = ["a", "Z", "0", "-", "_", ".", "~", "..", "/", "//", "%3A", "%2F", "%20", "%7E", "%", "%zz",
                         ":", "@", "!", "$", "'", "(", "*", "+", ",", ";", "=", "ሴ", "é"]

    static func randomText(_ generator: inout SplitMix64, maximumPieces: Int) -> String {
        (0..<Int.random(in: 0...maximumPieces, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
            .joined()
    }

    static func randomRequest(_ generator: inout SplitMix64) -> SignableRequest {
        let path = "/" + randomText(&generator, maximumPieces: 12)
        let query = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
            let name = randomText(&generator, maximumPieces: 3).replacingOccurrences(of: "&", with: "")
            return Bool.random(using: &generator) ? name : name + "=" + randomText(&generator, maximumPieces: 4)
        }.joined(separator: "&").replacingOccurrences(of: "#", with: "")
        var fields: HTTPFields = [HTTPField.Name("Host")!: "127.0.0.1:8900"]
        for index in 0..<Int.random(in: 0...3, using: &generator) {
            let value = "  " + randomText(&generator, maximumPieces: 5) + "   x  "
            fields.append(HTTPField(name: HTTPField.Name("X-Custom-\(index % 2)")!, value: value))
        }
        let body = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let method = ["GET", "POST", "PUT", "DELETE"].randomElement(using: &generator)!
        return SignableRequest(method: method, path: path, query: query, headerFields: fields, body: body)
    }

    @Test func randomRequestsSignedWithAHeaderVerify() async throws {
        var generator = SplitMix64(state: 2015_08_30)
        let signer = RequestSigner(credentials: Self.credentials, region: "eu-central-1")
        for _ in 0..<500 {
            let request = Self.randomRequest(&generator)
            let signed = signer.sign(request, at: Self.now)
            let caller = try await SignatureVerifier().verify(
                signed.request, now: Self.now, credentials: InMemoryCredentialStore([Self.credentials]))
            #expect(caller.region == "eu-central-1", "\(request.target)")
        }
    }

    @Test func randomRequestsPresignedVerify() async throws {
        var generator = SplitMix64(state: 31_03_2015)
        let signer = RequestSigner(credentials: Self.credentials, region: "us-west-2")
        for _ in 0..<500 {
            let request = Self.randomRequest(&generator)
            let signed = try signer.presign(request, at: Self.now, expiresIn: 900)
            let caller = try await SignatureVerifier().verify(
                signed.request, now: Self.now.addingTimeInterval(900), credentials: InMemoryCredentialStore([Self.credentials]))
            #expect(caller.form == .presignedQuery, "\(signed.request.target)")
        }
    }

    @Test func presignedRequestsExpireWithinAWeek() throws {
        let signer = RequestSigner(credentials: Self.credentials, region: "us-east-1")
        let request = SignableRequest(
            method: "GET", path: "/", headerFields: [HTTPField.Name("Host")!: "h"], body: [UInt8]())
        for seconds in [0, -1, 604_801, Int.max] {
            #expect(throws: RequestSigningError.expiryOutOfRange(seconds: seconds)) {
                try signer.presign(request, at: Self.now, expiresIn: seconds)
            }
        }
        #expect(try signer.presign(request, at: Self.now, expiresIn: 604_800).request.query.contains("X-Amz-Expires=604800"))
    }

    @Test func presigningTwiceReplacesTheFirstParameters() async throws {
        let signer = RequestSigner(credentials: Self.credentials, region: "us-east-1")
        let request = SignableRequest(
            method: "GET", path: "/", query: "Qualifier=1", headerFields: [HTTPField.Name("Host")!: "h"], body: [UInt8]())
        let once = try signer.presign(request, at: Self.now, expiresIn: 60)
        let twice = try signer.presign(once.request, at: Self.now.addingTimeInterval(10), expiresIn: 120)
        #expect(twice.request.query.hasPrefix("Qualifier=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(twice.request.query.components(separatedBy: "X-Amz-Signature=").count == 2)
        _ = try await SignatureVerifier().verify(
            twice.request, now: Self.now.addingTimeInterval(130), credentials: InMemoryCredentialStore([Self.credentials]))
    }

    @Test func theHostMayComeFromTheAuthority() async throws {
        let request = SignableRequest(
            method: "GET", authority: "localhost:8900", path: "/2015-03-31/functions/", headerFields: [:], body: [UInt8]())
        let signed = RequestSigner(credentials: Self.credentials, region: "us-east-1").sign(request, at: Self.now)
        #expect(signed.canonicalRequest.contains("\nhost:localhost:8900\n"))
        #expect(signed.request.headerFields[HTTPField.Name("Host")!] == nil)
        _ = try await SignatureVerifier().verify(
            signed.request, now: Self.now, credentials: InMemoryCredentialStore([Self.credentials]))
        // A request that names another host does not verify.
        var elsewhere = signed.request
        elsewhere.authority = "localhost:8901"
        await #expect(throws: SignatureVerificationError.self) {
            try await SignatureVerifier().verify(elsewhere, now: Self.now, credentials: InMemoryCredentialStore([Self.credentials]))
        }
    }

    @Test func signingTwiceReplacesTheFirstSignature() async throws {
        let signer = RequestSigner(credentials: Self.credentials, region: "us-east-1")
        let request = SignableRequest(
            method: "GET", path: "/", headerFields: [HTTPField.Name("Host")!: "h"], body: [UInt8]())
        let once = signer.sign(request, at: Self.now)
        let twice = signer.sign(once.request, at: Self.now.addingTimeInterval(60))
        #expect(twice.request.headerFields[values: .authorization].count == 1)
        #expect(twice.request.headerFields[values: HTTPField.Name("X-Amz-Date")!] == ["20261127T172100Z"])
        _ = try await SignatureVerifier().verify(
            twice.request, now: Self.now, credentials: InMemoryCredentialStore([Self.credentials]))
    }

    @Test func temporaryCredentialsSendTheirToken() async throws {
        let temporary = AWSCredentials(accessKeyID: "ASIATEMP", secretAccessKey: "k", sessionToken: "tok/+=en")
        let request = SignableRequest(
            method: "GET", path: "/", headerFields: [HTTPField.Name("Host")!: "h"], body: [UInt8]())
        let signer = RequestSigner(credentials: temporary, region: "us-east-1")
        let signed = signer.sign(request, at: Self.now)
        #expect(signed.request.headerFields[HTTPField.Name("X-Amz-Security-Token")!] == "tok/+=en")
        #expect(signed.canonicalRequest.contains("x-amz-security-token:tok/+=en"))
        let presigned = try signer.presign(request, at: Self.now, expiresIn: 60)
        #expect(presigned.request.query.contains("X-Amz-Security-Token=tok%2F%2B%3Den"))
        for request in [signed.request, presigned.request] {
            _ = try await SignatureVerifier().verify(request, now: Self.now, credentials: InMemoryCredentialStore([temporary]))
        }
    }

    @Test func theDateHeaderCanStandInForXAmzDate() async throws {
        // Sign with X-Amz-Date, then carry the same moment in a Date header instead.
        var request = SignableRequest(
            method: "GET", path: "/", headerFields: [
                HTTPField.Name("Host")!: "h", HTTPField.Name("Date")!: "Fri, 27 Nov 2026 17:20:00 GMT",
            ], body: [UInt8]())
        let signer = RequestSigner(credentials: Self.credentials, region: "us-east-1")
        var signed = signer.sign(request, at: Self.now).request
        let authorization = signed.headerFields[.authorization]!
        signed.headerFields[HTTPField.Name("X-Amz-Date")!] = nil
        // The X-Amz-Date header was signed, so it must now be left out of SignedHeaders.
        signed.headerFields[.authorization] = authorization.replacingOccurrences(of: "x-amz-date", with: "date")
        await #expect(throws: SignatureVerificationError.self) {
            try await SignatureVerifier().verify(signed, now: Self.now, credentials: InMemoryCredentialStore([Self.credentials]))
        }
        // botocore's own Date-header request (BotocoreTests) is the positive case; here the date in
        // the scope must match the Date header's day.
        request.headerFields[HTTPField.Name("Date")!] = "Sat, 28 Nov 2026 00:00:00 GMT"
        signed = signer.sign(request, at: Self.now).request
        signed.headerFields[HTTPField.Name("X-Amz-Date")!] = nil
        let error = await #expect(throws: SignatureVerificationError.self) {
            try await SignatureVerifier().verify(signed, now: Self.now, credentials: InMemoryCredentialStore([Self.credentials]))
        }
        #expect(error?.message.contains("'20261127' != '20261128', from 'Date'") == true, "\(String(describing: error))")
    }

    @Test func aStoreThatFailsIsNotAnAuthenticationFailure() async throws {
        struct DatabaseDown: Error {}
        struct FailingStore: CredentialStore {
            func credentials(forAccessKeyID accessKeyID: String) async throws -> AWSCredentials? { throw DatabaseDown() }
        }
        let request = SignableRequest(
            method: "GET", path: "/", headerFields: [HTTPField.Name("Host")!: "h"], body: [UInt8]())
        let signed = RequestSigner(credentials: Self.credentials, region: "us-east-1").sign(request, at: Self.now)
        await #expect(throws: DatabaseDown.self) {
            try await SignatureVerifier().verify(signed.request, now: Self.now, credentials: FailingStore())
        }
        // A stale request is refused before the store is asked.
        await #expect(throws: SignatureVerificationError.self) {
            try await SignatureVerifier().verify(signed.request, now: Self.now.addingTimeInterval(3600), credentials: FailingStore())
        }
    }

    @Test func theSkewIsConfigurable() async throws {
        let request = SignableRequest(
            method: "GET", path: "/", headerFields: [HTTPField.Name("Host")!: "h"], body: [UInt8]())
        let signed = RequestSigner(credentials: Self.credentials, region: "us-east-1").sign(request, at: Self.now)
        var configuration = SignatureVerifierConfiguration()
        configuration.maximumClockSkew = .seconds(60)
        let verifier = SignatureVerifier(configuration: configuration)
        let store = InMemoryCredentialStore([Self.credentials])
        _ = try await verifier.verify(signed.request, now: Self.now.addingTimeInterval(60), credentials: store)
        let error = await #expect(throws: SignatureVerificationError.self) {
            try await verifier.verify(signed.request, now: Self.now.addingTimeInterval(61), credentials: store)
        }
        #expect(error?.message == "Signature expired: 20261127T172000Z is now earlier than 20261127T172001Z (20261127T172101Z - 1 min.)")
    }
}
