import DockerEngine
import Foundation
import Testing

/// Which API version the client speaks with each engine, from the `/version` answers of real Docker
/// releases (fixtures: a daemon we cannot run here; see Fixtures/README.md).
@Suite struct APIVersionNegotiationTests {
    static func fixture(_ name: String) throws -> DockerVersion {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(DockerVersion.self, from: Data(contentsOf: url))
    }

    @Test(arguments: [
        ("version-20.10", "1.41"),  // older than ours: speak the daemon's own newest
        ("version-25.0", "1.44"),
        ("version-28.1", "1.47"),  // newer than ours: speak ours
        ("version-29.0", "1.47"),  // Docker 29 refuses anything under 1.44; ours is above it
    ])
    func theNewestVersionBothSidesSpeakIsChosen(fixture: String, expected: String) throws {
        let daemon = try Self.fixture(fixture)
        #expect(try DockerAPIVersion.negotiate(with: daemon).description == expected)
    }

    @Test func the29FixtureIsADaemonThatRefusesOldClients() throws {
        let daemon = try Self.fixture("version-29.0")
        #expect(daemon.minimumAPIVersion == "1.44")
        #expect(DockerAPIVersion(daemon.minimumAPIVersion!)! > DockerAPIVersion(1, 41), "1.41, the old pin, would be refused")
    }

    @Test func noCommonVersionIsAClearError() {
        // A daemon too old for what PyLambda uses.
        #expect {
            try DockerAPIVersion.negotiate(with: DockerVersion(version: "17.03", apiVersion: "1.26", minimumAPIVersion: "1.12"))
        } throws: { "\($0)".contains("upgrade Docker") }
        // A future daemon that no longer serves our newest version.
        #expect {
            try DockerAPIVersion.negotiate(with: DockerVersion(version: "40.0", apiVersion: "1.70", minimumAPIVersion: "1.60"))
        } throws: { "\($0)".contains("upgrade PyLambda") }
        #expect(throws: DockerError.self) {
            try DockerAPIVersion.negotiate(with: DockerVersion(version: "x", apiVersion: "banana", minimumAPIVersion: nil))
        }
    }

    @Test func versionsCompareNumerically() {
        #expect(DockerAPIVersion("1.41")! > DockerAPIVersion("1.9")!)
        #expect(DockerAPIVersion("1.100")! > DockerAPIVersion("1.47")!)
        #expect(DockerAPIVersion("1.4.1") == nil && DockerAPIVersion("") == nil && DockerAPIVersion("1.-1") == nil)
    }

    @Test func theLiveDaemonIsSpokenToAtTheNegotiatedVersion() async throws {
        guard ProcessInfo.processInfo.environment["PYLAMBDA_REQUIRE_DOCKER"] == "1" else { return }
        let client = try await DockerClient.connect()
        defer { Task { await client.shutdown() } }
        #expect(client.apiVersion == (try DockerAPIVersion.negotiate(with: client.daemonVersion)))
        try await client.ping()
        _ = try await client.info()
    }
}
