import Foundation

@testable import AWSSignatureV4

/// One case of AWS's SigV4 test suite (Fixtures/aws-signing-test-suite/v4/<name>).
struct VectorCase: CustomStringConvertible {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }

        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        /// ISO 8601 extended, `2015-08-30T12:36:00Z`.
        var timestamp: String
        var omit_session_token: Bool?
    }

    let name: String
    let directory: URL
    let context: Context

    var description: String { name }

    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("aws-signing-test-suite/v4")

    static func all() throws -> [VectorCase] {
        try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().map { try VectorCase(name: $0) }
    }

    init(name: String) throws {
        self.name = name
        self.directory = Self.root.appendingPathComponent(name)
        self.context = try JSONDecoder().decode(
            Context.self, from: Data(contentsOf: directory.appendingPathComponent("context.json")))
    }

    func file(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    var signedAt: Date {
        let basic = context.timestamp.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return SigningTimestamp(amzDate: basic)!.date
    }

    /// The credentials the case signs with; the token only if it is signed (not `omit_session_token`).
    var signingCredentials: AWSCredentials {
        AWSCredentials(
            accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key,
            sessionToken: context.omit_session_token == true ? nil : context.credentials.token)
    }

    /// The credentials a server holds for the case's key, its token included.
    var storedCredentials: AWSCredentials {
        AWSCredentials(
            accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key,
            sessionToken: context.credentials.token)
    }

    var signer: RequestSigner {
        var signer = RequestSigner(credentials: signingCredentials, region: context.region, service: context.service)
        signer.normalizesPath = context.normalize
        return signer
    }

    var verifier: SignatureVerifier {
        var configuration = SignatureVerifierConfiguration()
        configuration.service = context.service
        configuration.normalizesPath = context.normalize
        return SignatureVerifier(configuration: configuration)
    }
}
