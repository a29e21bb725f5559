import Foundation
import Testing

@testable import AWSSignatureV4

/// The codes and messages clients see, and what the server's log sees.
@Suite struct ErrorTests {
    static let signedAt = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

    @Test func codesAreAWSs() {
        let cases: [(SignatureVerificationError, String)] = [
            (.missingAuthentication, "MissingAuthenticationTokenException"),
            (.incompleteSignature("x"), "IncompleteSignatureException"),
            (.unknownAccessKey(accessKeyID: "A"), "UnrecognizedClientException"),
            (.invalidSessionToken(accessKeyID: "A"), "UnrecognizedClientException"),
            (.invalidCredentialScope("x"), "InvalidSignatureException"),
            (.signatureExpired(signedAt: Self.signedAt, now: Self.signedAt, allowedSkew: .seconds(300)), "InvalidSignatureException"),
            (.signatureNotYetCurrent(signedAt: Self.signedAt, now: Self.signedAt, allowedSkew: .seconds(300)), "InvalidSignatureException"),
            (.presignedRequestExpired(signedAt: Self.signedAt, expiresAt: Self.signedAt, now: Self.signedAt), "InvalidSignatureException"),
            (.signatureMismatch(canonicalRequest: "c", stringToSign: "s"), "InvalidSignatureException"),
            (.payloadHashMismatch(declared: "a", computed: "b"), "InvalidSignatureException"),
            (.unsignedPayload(declared: "UNSIGNED-PAYLOAD"), "InvalidSignatureException"),
        ]
        for (error, code) in cases {
            #expect(error.awsErrorCode == code, "\(error)")
            #expect(error.status.code == 403)
            #expect(error.description.hasPrefix(code + ": "))
        }
    }

    @Test func messagesAreWordedAsAWSWordsThem() {
        #expect(SignatureVerificationError.missingAuthentication.message == "Missing Authentication Token")
        #expect(SignatureVerificationError.unknownAccessKey(accessKeyID: "AKID").message
            == "The security token included in the request is invalid.")
        #expect(SignatureVerificationError.signatureExpired(
            signedAt: Self.signedAt, now: Self.signedAt.addingTimeInterval(600), allowedSkew: .seconds(300)).message
            == "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)")
        #expect(SignatureVerificationError.signatureNotYetCurrent(
            signedAt: Self.signedAt, now: Self.signedAt.addingTimeInterval(-600), allowedSkew: .seconds(300)).message
            == "Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z (20150830T122600Z + 5 min.)")
        #expect(SignatureVerificationError.signatureMismatch(canonicalRequest: "GET\n/", stringToSign: "AWS4-HMAC-SHA256\nx").message
            == """
            The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.

            The Canonical String for this request should have been
            'GET
            /'

            The String-to-Sign should have been
            'AWS4-HMAC-SHA256
            x'

            """)
    }

    @Test func theLogLearnsWhatTheClientDoesNot() {
        let unknown = SignatureVerificationError.unknownAccessKey(accessKeyID: "AKIDUNKNOWN")
        #expect(!unknown.message.contains("AKIDUNKNOWN"))
        #expect(unknown.description.contains("AKIDUNKNOWN"))
        let body = SignatureVerificationError.payloadHashMismatch(declared: "aaa", computed: "bbb")
        #expect(body.description.contains("aaa") && body.description.contains("bbb"))
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "TOPSECRET", sessionToken: "TOKEN")
        #expect(!"\(credentials)".contains("TOPSECRET"))
        #expect(!"\(credentials)".contains("TOKEN"))
        #expect("\(credentials)".contains("AKID"))
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(constantTimeEquals([UInt8](), [UInt8]()))
        #expect(!constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!constantTimeEquals(Array("abc".utf8), Array("bbc".utf8)))
        #expect(!constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!constantTimeEquals(Array("abc".utf8), [UInt8]()))
    }
}
