import Foundation
import Testing

@testable import FunctionPackages

/// The store's own checks, without a network: what it refuses in an installed tree, how index
/// settings are merged, the package store.
@Suite struct StoreOfflineTests {
    private let key = Requirements.emptyKeyForTests

    private func inspector(maxBytes: Int64 = 1 << 30) -> SetInspector {
        SetInspector(key: key, target: .runner, maxBytes: maxBytes, maxFiles: 1000)
    }

    /// A tree that looks like an install of one wheel with `tag`.
    private func installed(tag: String) throws -> TemporaryDirectory {
        let tree = TemporaryDirectory("site")
        try tree.write("demo/__init__.py", "VALUE = 1\n")
        try tree.write("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: \(tag)\n")
        try tree.write("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
        return tree
    }

    @Test func acceptsAMatchingWheelAndFreezesTheTree() throws {
        let tree = try installed(tag: "cp311-cp311-manylinux_2_17_x86_64")
        let summary = try inspector().inspect(tree.path, makeReadOnly: true)
        #expect(summary.distributions == ["demo==1.0"])
        #expect(summary.files == 3)
        #expect(try FileManager.default.attributesOfItem(atPath: tree.path + "/demo/__init__.py")[.posixPermissions] as? Int == 0o444)
        #expect(try FileManager.default.attributesOfItem(atPath: tree.path + "/demo")[.posixPermissions] as? Int == 0o555)
        #expect(try FileManager.default.attributesOfItem(atPath: tree.path)[.posixPermissions] as? Int == 0o555)
    }

    @Test func refusesWheelsForAnotherPythonOrPlatform() throws {
        for tag in ["cp312-cp312-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_39_x86_64", "cp311-cp311-linux_x86_64", "cp311-cp311-macosx_11_0_arm64"] {
            let tree = try installed(tag: tag)
            #expect(throws: DependencyError.incompatibleWheel(distribution: "demo==1.0", tags: [tag], target: "cp311 manylinux_2_36_x86_64")) {
                try inspector().inspect(tree.path, makeReadOnly: false)
            }
        }
    }

    @Test func refusesLinksSpecialFilesAndOversizedTrees() throws {
        var tree = try installed(tag: "py3-none-any")
        symlink("/etc/passwd", tree.path + "/demo/passwd")
        #expect(throws: DependencyError.unsafeEntry(path: "demo/passwd", reason: "it is a symbolic link")) {
            try inspector().inspect(tree.path, makeReadOnly: false)
        }
        tree = try installed(tag: "py3-none-any")
        link(tree.path + "/demo/__init__.py", tree.path + "/demo/again.py")
        #expect(throws: DependencyError.self) { try inspector().inspect(tree.path, makeReadOnly: false) }
        tree = try installed(tag: "py3-none-any")
        mkfifo(tree.path + "/demo/pipe", 0o644)
        #expect(throws: DependencyError.unsafeEntry(path: "demo/pipe", reason: "it is a device, FIFO or socket")) {
            try inspector().inspect(tree.path, makeReadOnly: false)
        }
        tree = try installed(tag: "py3-none-any")
        #expect(throws: DependencyError.self) { try inspector(maxBytes: 10).inspect(tree.path, makeReadOnly: false) }
    }

    @Test func indexSettingsMergeFileAndEnvironmentAndScrubTheRest() throws {
        let environment = [
            "PATH": "/usr/bin", "HTTPS_PROXY": "http://proxy:3128", "UV_HTTP_TIMEOUT": "30",
            "UV_INDEX_URL": "https://uv.example/simple", "PIP_INDEX_URL": "https://pip.example/simple",
            "UV_EXTRA_INDEX_URL": "https://uv-extra.example/simple", "PIP_EXTRA_INDEX_URL": "https://a.example/simple https://b.example/simple",
            "UV_INDEX": "internal=https://internal.example/simple", "PIP_FIND_LINKS": "/opt/wheels", "UV_NO_INDEX": "0",
            "UV_NO_BUILD": "0", "UV_NO_BINARY": "1", "PIP_TARGET": "/", "PYTHONPATH": "/evil", "VIRTUAL_ENV": "/venv",
            "UV_INDEX_INTERNAL_USERNAME": "me",
        ]
        let fromEnvironment = IndexSettings(requirements: try Requirements(parsing: "six\n"), environment: environment)
        #expect(fromEnvironment.indexURL == "https://uv.example/simple", "uv's variable before pip's")
        #expect(fromEnvironment.extraIndexURLs == [
            "https://uv-extra.example/simple", "https://internal.example/simple", "https://a.example/simple", "https://b.example/simple",
        ])
        #expect(fromEnvironment.findLinks == ["/opt/wheels"])
        #expect(!fromEnvironment.noIndex)
        #expect(fromEnvironment.environment == [
            "PATH": "/usr/bin", "HTTPS_PROXY": "http://proxy:3128", "UV_HTTP_TIMEOUT": "30", "UV_INDEX_INTERNAL_USERNAME": "me",
        ])
        let fromFile = IndexSettings(
            requirements: try Requirements(parsing: "--index-url https://file.example/simple\n--no-index\nsix\n"), environment: environment)
        #expect(fromFile.indexURL == "https://file.example/simple", "the requirements file wins")
        #expect(fromFile.noIndex)
        #expect(fromFile.arguments.prefix(2) == ["--index-url", "https://file.example/simple"])
        #expect(fromFile.arguments.last == "--no-index")
        let pipOnly = IndexSettings(requirements: try Requirements(parsing: "six\n"), environment: ["PIP_INDEX_URL": "https://pip.example/simple", "PIP_NO_INDEX": "yes"])
        #expect(pipOnly.indexURL == "https://pip.example/simple")
        #expect(pipOnly.noIndex)
    }

    @Test func userHashesNarrowTheLock() throws {
        var lock = LockFile(parsing: "certifi==2024.1.1 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nsix==1.17.0 \\\n    --hash=sha256:ccc\n")
        #expect(lock.pins.map(\.name) == ["certifi", "six"])
        let requirements = try Requirements(parsing: "six --hash=sha256:CCC --hash=sha256:ddd\ncertifi\n")
        #expect(LockFile.userHashes(requirements) == ["six": ["sha256:ccc", "sha256:ddd"]])
        // Hashes for some of the projects installed, as pip's hash-checking mode, are refused.
        #expect(throws: DependencyError.hashesMissing(names: ["six"])) { try lock.restrict(to: ["certifi": ["sha256:bbb"]]) }
        try lock.restrict(to: ["certifi": ["sha256:bbb"], "six": ["sha256:ccc", "sha256:ddd"]])
        #expect(lock.text == "certifi==2024.1.1 \\\n    --hash=sha256:bbb\nsix==1.17.0 \\\n    --hash=sha256:ccc\n")
        #expect(throws: DependencyError.hashMismatch(name: "six", requirement: "six==1.17.0")) {
            try lock.restrict(to: ["six": ["sha256:eee"], "certifi": ["sha256:bbb"]])
        }
    }

    @Test func pathsAreEscapedForCompileallsExcludePattern() {
        #expect(HostPython.regexEscaped("/tmp/a.b+c/(d)[e]") == "/tmp/a\\.b\\+c/\\(d\\)\\[e\\]")
    }

    /// Empty requirements make an empty set without any tool (the installer named here does not
    /// exist).
    @Test func emptyRequirementsMakeAnEmptySetWithoutATool() async throws {
        let store = TemporaryDirectory("store")
        var configuration = DependencyStoreConfiguration(directory: store.path + "/deps")
        configuration.installer = .uv(executable: "/nonexistent/uv")
        let set = try await DependencyStore(configuration: configuration).set(for: Requirements(parsing: "# none\n"))
        #expect(set.metadata.tool == "none")
        #expect(set.metadata.installed.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: set.sitePackages).isEmpty)
        await #expect(throws: DependencyError.self) {
            try await DependencyStore(configuration: configuration).set(for: Requirements(parsing: "six\n"))
        }
        configuration.allowIndexOptionsInRequirements = false
        await #expect(throws: DependencyError.indexOptionsNotAllowed(options: ["--index-url http://169.254.169.254/simple"])) {
            try await DependencyStore(configuration: configuration).set(for: Requirements(parsing: "-i http://169.254.169.254/simple\n"))
        }
    }

    @Test func storesRefuseSymlinksAndTightenPermissions() async throws {
        let work = TemporaryDirectory("store")
        try work.write("real/.keep", "")
        symlink(work.path + "/real", work.path + "/link")
        let dependencies = DependencyStore(configuration: DependencyStoreConfiguration(directory: work.path + "/link"))
        #expect(throws: DependencyError.self) { try dependencies.list() }
        await #expect(throws: DependencyError.self) { try await dependencies.set(for: Requirements(parsing: "")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path + "/real") == [".keep"])

        chmod(work.path + "/real", 0o755)
        _ = try DependencyStore(configuration: DependencyStoreConfiguration(directory: work.path + "/real")).list()
        #expect(try FileManager.default.attributesOfItem(atPath: work.path + "/real")[.posixPermissions] as? Int == 0o700)
        #expect(try DependencyStore(configuration: DependencyStoreConfiguration(directory: work.path + "/absent")).list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: work.path + "/absent"), "listing creates nothing")
    }

    @Test func packagesAreMaterialisedOnceByDigest() throws {
        let work = TemporaryDirectory("packages")
        let store = PackageStore(directory: work.path + "/packages")
        var zip = RawZip()
        zip.add("main.py", "def entrypoint(data):\n    return data\n")
        zip.add("lib/helper.py", "X = 1\n")
        let package = try FunctionPackage(zip: zip.bytes)
        let path = try store.materialize(package)
        #expect(path == work.path + "/packages/" + package.digest)
        #expect(try String(contentsOfFile: path + "/lib/helper.py", encoding: .utf8) == "X = 1\n")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o555)
        #expect(try store.materialize(package) == path)
        #expect(try store.list() == [package.digest])
        #expect(try FileManager.default.attributesOfItem(atPath: work.path + "/packages")[.posixPermissions] as? Int == 0o700)

        let other = try FunctionPackage(source: Array("x = 2\n".utf8), fileName: "f.py")
        let otherPath = try store.materialize(other)
        #expect(try store.garbageCollect(keeping: [], extractedBefore: Date().addingTimeInterval(-3600)).isEmpty, "both are recent")
        #expect(try store.garbageCollect(keeping: [other.digest]) == [package.digest])
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: otherPath + "/f.py"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path + "/packages/.staging").isEmpty)
    }
}

extension Requirements {
    static var emptyKeyForTests: DependencySetKey { (try? Requirements(parsing: "")).map { $0.key(for: .runner) }! }
}
