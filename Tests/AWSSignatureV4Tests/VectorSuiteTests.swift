import Crypto
import Foundation
import HTTPTypes
import Testing

@testable import AWSSignatureV4

/// AWS's own SigV4 test suite (see Fixtures/README.md): the signer must produce its canonical
/// requests, strings to sign and signatures byte for byte, and the verifier must accept its signed
/// requests and, given a wrong signature, report the same canonical request.
@Suite struct VectorSuiteTests {
    static let cases = (try? VectorCase.all()) ?? []

    @Test func theSuiteIsComplete() {
        #expect(Self.cases.count == 38)
    }

    @Test(arguments: cases) func signsWithAnAuthorizationHeader(_ vector: VectorCase) throws {
        var request = try RawHTTPRequest.parse(vector.file("request.txt"))
        if vector.context.sign_body {
            request.headerFields[HTTPField.Name("x-amz-content-sha256")!] = request.payloadSHA256Hex
        }
        let signed = vector.signer.sign(request, at: vector.signedAt)
        #expect(signed.canonicalRequest == (try vector.file("header-canonical-request.txt")))
        #expect(signed.stringToSign == (try vector.file("header-string-to-sign.txt")))
        #expect(signed.signature == (try vector.file("header-signature.txt")))
    }

    @Test(arguments: cases) func presigns(_ vector: VectorCase) throws {
        let request = try RawHTTPRequest.parse(vector.file("request.txt"))
        let signed = try vector.signer.presign(
            request, at: vector.signedAt, expiresIn: vector.context.expiration_in_seconds)
        #expect(signed.canonicalRequest == (try vector.file("query-canonical-request.txt")))
        #expect(signed.stringToSign == (try vector.file("query-string-to-sign.txt")))
        #expect(signed.signature == (try vector.file("query-signature.txt")))
    }

    @Test(arguments: cases) func verifiesTheSignedRequest(_ vector: VectorCase) async throws {
        let request = try RawHTTPRequest.parse(vector.file("header-signed-request.txt"))
        let caller = try await vector.verifier.verify(
            request, now: vector.signedAt, credentials: InMemoryCredentialStore([vector.storedCredentials]))
        #expect(caller == VerifiedCaller(
            accessKeyID: "AKIDEXAMPLE", region: "us-east-1", signedAt: vector.signedAt, form: .authorizationHeader))
    }

    @Test(arguments: cases) func verifiesThePresignedRequest(_ vector: VectorCase) async throws {
        // Its token was appended after signing (AWS IoT style); see Fixtures/README.md.
        guard vector.name != "post-sts-header-after" else { return }
        let request = try RawHTTPRequest.parse(vector.file("query-signed-request.txt"))
        let caller = try await vector.verifier.verify(
            request, now: vector.signedAt, credentials: InMemoryCredentialStore([vector.storedCredentials]))
        #expect(caller == VerifiedCaller(
            accessKeyID: "AKIDEXAMPLE", region: "us-east-1", signedAt: vector.signedAt, form: .presignedQuery))
    }

    @Test(arguments: cases) func aWrongSignatureShowsTheSuitesCanonicalRequest(_ vector: VectorCase) async throws {
        var request = try RawHTTPRequest.parse(vector.file("header-signed-request.txt"))
        let signature = try vector.file("header-signature.txt")
        let forged = String(signature.dropLast()) + (signature.hasSuffix("0") ? "1" : "0")
        request.headerFields[.authorization] = request.headerFields[.authorization]!
            .replacingOccurrences(of: signature, with: forged)
        await #expect(throws: SignatureVerificationError.signatureMismatch(
            canonicalRequest: try vector.file("header-canonical-request.txt"),
            stringToSign: try vector.file("header-string-to-sign.txt"))) {
            try await vector.verifier.verify(
                request, now: vector.signedAt, credentials: InMemoryCredentialStore([vector.storedCredentials]))
        }
    }
}
