import Foundation
import Testing

@testable import FunctionPackages

/// Real uv (and pip), real PyPI downloads. uv must be on PATH (`pip install uv`).
@Suite(.serialized) struct DependencyStoreTests {
    /// uv behind a wrapper that counts its invocations, so a reuse can be shown to run no tool.
    struct CountingUV {
        let directory = TemporaryDirectory("uv")
        var executable: String { directory.path + "/uv" }
        var log: String { directory.path + "/invocations" }

        init() throws {
            let real = try #require(HostPython.which("uv", environment: ProcessInfo.processInfo.environment), "uv is not on PATH: pip install uv")
            try directory.write("uv", "#!/bin/sh\necho \"$*\" >> '\(log)'\nexec '\(real)' \"$@\"\n", mode: 0o755)
        }

        var invocations: [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    private func configuration(_ store: TemporaryDirectory, uv: CountingUV, _ adjust: (inout DependencyStoreConfiguration) -> Void = { _ in })
        -> DependencyStoreConfiguration
    {
        var configuration = DependencyStoreConfiguration(directory: store.path + "/deps")
        configuration.installer = .uv(executable: uv.executable)
        adjust(&configuration)
        return configuration
    }

    /// Nothing but finished sets (and the store's own bookkeeping) in the store, nothing staged.
    private func expectNothingHalfInstalled(_ store: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let root = store.path + "/deps"
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: root + "/.staging")) ?? []
        #expect(staging.isEmpty, "staging left: \(staging)", sourceLocation: sourceLocation)
        let sets = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") }
        #expect(sets.isEmpty, "sets left: \(sets)", sourceLocation: sourceLocation)
    }

    private func seconds(_ duration: Duration) -> String {
        String(format: "%.3f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    @Test func numpyInstallsForTheRunnerOnceAndIsReusedWithoutTheTool() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let clock = ContinuousClock()
        let requirements = try Requirements(parsing: "numpy\n")

        var set: DependencySet?
        let fresh = try await clock.measure {
            set = try await DependencyStore(configuration: configuration(store, uv: uv)).set(for: requirements)
        }
        let numpy = try #require(set)
        #expect(numpy.key == requirements.key(for: .runner))
        #expect(numpy.directory == store.path + "/deps/" + numpy.key.rawValue)
        #expect(uv.invocations.count == 3, "version, compile, install: \(uv.invocations)")
        #expect(uv.invocations.allSatisfy { !$0.contains("pip install") || ($0.contains("--no-build") && $0.contains("--require-hashes")) })

        // The wheel installed is for CPython 3.11 on manylinux up to glibc 2.36, x86_64.
        let site = numpy.sitePackages
        let distInfo = try #require(try FileManager.default.contentsOfDirectory(atPath: site).first { $0.hasPrefix("numpy-") && $0.hasSuffix(".dist-info") })
        let tags = try String(contentsOfFile: "\(site)/\(distInfo)/WHEEL", encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("Tag: ") }.map { String($0.dropFirst(5)) }
        #expect(!tags.isEmpty)
        for tag in tags {
            let parts = tag.split(separator: "-")
            #expect(parts.count == 3 && parts[0] == "cp311" && parts[1] == "cp311", "\(tag)")
            let platform = parts.last.map(String.init) ?? ""
            let glibc = platform.hasPrefix("manylinux_2_") ? Int(platform.split(separator: "_")[2]) : (platform == "manylinux2014_x86_64" ? 17 : nil)
            #expect(glibc.map { $0 <= 36 } == true && platform.hasSuffix("_x86_64"), "\(tag)")
        }
        #expect(numpy.metadata.installed.contains { $0.hasPrefix("numpy==") })
        #expect(numpy.metadata.tool.hasPrefix("uv "))
        #expect(numpy.metadata.pythonTag == "cp311" && numpy.metadata.platformTag == "manylinux_2_36_x86_64")
        #expect(numpy.metadata.bytecodeCompiled)
        #expect(FileManager.default.fileExists(atPath: site + "/numpy/__pycache__/__init__.cpython-311.pyc"))
        #expect(FileManager.default.fileExists(atPath: site + "/numpy/_core/tests"))
        #expect(!FileManager.default.fileExists(atPath: site + "/numpy/_core/tests/__pycache__"), "tests are not compiled")
        #expect(numpy.metadata.sizeBytes > 10 << 20 && numpy.metadata.sizeBytes < 250 << 20)
        let lock = try String(contentsOfFile: numpy.lockFile, encoding: .utf8)
        #expect(lock.contains("numpy==") && lock.contains("--hash=sha256:"), "the pinned result: \(lock.prefix(200))")
        #expect(try String(contentsOfFile: numpy.directory + "/requirements.txt", encoding: .utf8) == "numpy\n")

        // Read-only, all of it.
        for path in [numpy.directory, site, site + "/numpy"] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o555, "\(path)")
        }
        for path in [site + "/numpy/__init__.py", numpy.lockFile, numpy.directory + "/metadata.json"] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o444, "\(path)")
        }

        // Differently written, same key; a new store object (as a new process would have), an
        // index that cannot be reached: the set is reused and uv never runs.
        let reordered = try Requirements(parsing: "# numbers\n\n   NumPy   # any version\n")
        var bogus = ProcessInfo.processInfo.environment
        bogus["UV_INDEX_URL"] = "http://127.0.0.1:9/simple"
        bogus["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple"
        let reusingStore = DependencyStore(configuration: configuration(store, uv: uv) { $0.environment = bogus })
        var reused: DependencySet?
        let reuse = try await clock.measure { reused = try await reusingStore.set(for: reordered) }
        #expect(reused == numpy)
        #expect(uv.invocations.count == 3, "no tool invocation on reuse")

        // A second new set with the download cache already warm, for comparison.
        let warmStore = TemporaryDirectory("store-warm")
        let warm = try await clock.measure {
            _ = try await DependencyStore(configuration: configuration(warmStore, uv: uv) { $0.cacheDirectory = store.path + "/deps/.cache" })
                .set(for: requirements)
        }
        print("BENCH dependency set numpy: fresh (empty download cache) \(seconds(fresh)) s, fresh (warm download cache) \(seconds(warm)) s, reuse \(seconds(reuse)) s")
    }

    @Test func anUnknownPackageIsNamedAndLeavesNothing() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let name = "pylambda-no-such-package-7f3a9c"
        await #expect(throws: DependencyError.packageNotFound(name: name)) {
            try await DependencyStore(configuration: configuration(store, uv: uv)).set(for: Requirements(parsing: "\(name)\n"))
        }
        #expect(DependencyError.packageNotFound(name: name).description.contains(name))
        try expectNothingHalfInstalled(store)
    }

    /// docopt has only ever been published as an sdist (docopt-0.6.2.tar.gz): with wheels only,
    /// it cannot be installed, and it is not built.
    @Test func aPackageWithoutWheelsIsNamedAndNotBuilt() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        await #expect(throws: DependencyError.noCompatibleWheel(name: "docopt", target: "cp311 manylinux_2_36_x86_64")) {
            try await DependencyStore(configuration: configuration(store, uv: uv)).set(for: Requirements(parsing: "docopt==0.6.2\n"))
        }
        try expectNothingHalfInstalled(store)
    }

    @Test func aSetOverTheSizeLimitIsRefusedAndRemoved() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let requirements = try Requirements(parsing: "certifi\n")
        let key = requirements.key(for: .runner)
        do {
            _ = try await DependencyStore(configuration: configuration(store, uv: uv) { $0.maxSetBytes = 100_000 }).set(for: requirements)
            Issue.record("certifi (a 300 KB CA bundle) fitted in 100 000 bytes")
        } catch {
            guard case .setTooLarge(key, let bytes, 100_000) = error else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(bytes > 100_000)
            #expect(error.description.contains(key.short) && error.description.contains("maxSetBytes"))
        }
        try expectNothingHalfInstalled(store)
    }

    /// A `--hash` in the requirements is enforced, not just carried along: the wrong one is
    /// refused by name, the right one installs.
    @Test func hashesInTheRequirementsAreEnforced() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let dependencies = DependencyStore(configuration: configuration(store, uv: uv))
        let wrong = "six==1.17.0 --hash=sha256:" + String(repeating: "0", count: 64) + "\n"
        await #expect(throws: DependencyError.hashMismatch(name: "six", requirement: "six==1.17.0")) {
            try await dependencies.set(for: Requirements(parsing: wrong))
        }
        try expectNothingHalfInstalled(store)
        let right = "six==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274\n"
        let six = try await dependencies.set(for: Requirements(parsing: right))
        #expect(try String(contentsOfFile: six.lockFile, encoding: .utf8) == "six==1.17.0 \\\n    --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274\n")
    }

    /// Two store objects on one directory (two processes, as far as the lock can tell) and two
    /// callers of one object, all at once: one install, one set.
    @Test func concurrentRequestsForOneKeyInstallOnce() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let requirements = try Requirements(parsing: "six\n")
        let first = DependencyStore(configuration: configuration(store, uv: uv))
        let second = DependencyStore(configuration: configuration(store, uv: uv))
        async let a = first.set(for: requirements)
        async let b = second.set(for: requirements)
        async let c = first.set(for: requirements)
        let sets = try await [a, b, c]
        #expect(Set(sets.map(\.directory)).count == 1)
        #expect(uv.invocations.count == 3, "one install: \(uv.invocations)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/deps/.staging").isEmpty)
    }

    @Test func listAndGarbageCollect() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let dependencies = DependencyStore(configuration: configuration(store, uv: uv))
        let six = try await dependencies.set(for: Requirements(parsing: "six\n"))
        let idna = try await dependencies.set(for: Requirements(parsing: "idna\n"))
        // What a killed install would leave: staging under a key nobody holds.
        try FileManager.default.createDirectory(atPath: store.path + "/deps/.staging/\(idna.key).deadbeef/site-packages", withIntermediateDirectories: true)

        let listed = try dependencies.list()
        #expect(listed.map(\.set.key).sorted() == [six.key, idna.key].sorted())
        let sixInfo = try #require(listed.first { $0.set.key == six.key })
        #expect(sixInfo.set.metadata.requirements == "six\n")
        #expect(sixInfo.lastUsed >= sixInfo.set.metadata.created)
        #expect(sixInfo.set.metadata.installed.contains { $0.hasPrefix("six==") })

        #expect(try dependencies.garbageCollect(keeping: [six.key]) == [idna.key])
        #expect(!FileManager.default.fileExists(atPath: idna.directory))
        #expect(FileManager.default.fileExists(atPath: six.sitePackages + "/six.py"))
        #expect(try dependencies.list().map(\.set.key) == [six.key])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/deps/.staging").isEmpty)
        #expect(try dependencies.existingSet(for: idna.key) == nil)
        #expect(try dependencies.garbageCollect(keeping: []) == [six.key])
        #expect(try dependencies.list().isEmpty)
    }

    /// `PIP_FIND_LINKS` and `PIP_NO_INDEX` reach uv: six installs from a local wheel directory
    /// with no index at all.
    @Test func findLinksAndNoIndexFromTheEnvironmentAreHonoured() async throws {
        let uv = try CountingUV()
        let store = TemporaryDirectory("store")
        let wheels = TemporaryDirectory("wheels")
        try run(["python3", "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--no-deps", "-d", wheels.path, "six==1.17.0"])
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_FIND_LINKS"] = wheels.path
        environment["PIP_NO_INDEX"] = "1"
        let set = try await DependencyStore(configuration: configuration(store, uv: uv) { $0.environment = environment })
            .set(for: Requirements(parsing: "six\n"))
        #expect(set.metadata.installed == ["six==1.17.0"])
        #expect(uv.invocations.contains { $0.contains("--find-links \(wheels.path)") && $0.contains("--no-index") })
    }

    /// An sdist whose setup.py would leave a mark if anything ran it: offered as the only
    /// candidate, it is refused by uv and by pip, and the mark never appears.
    @Test func noPackageCodeRunsOnTheHost() async throws {
        let uv = try CountingUV()
        let work = TemporaryDirectory("sdist")
        let marker = work.path + "/setup-py-ran"
        try work.write(
            "make.py",
            """
            import io, tarfile, sys
            setup = "open(%r, 'w').write('ran')\\nfrom setuptools import setup\\nsetup(name='pylambda-evil', version='1.0')\\n" % sys.argv[2]
            files = {"pylambda-evil-1.0/setup.py": setup, "pylambda-evil-1.0/PKG-INFO": "Metadata-Version: 2.1\\nName: pylambda-evil\\nVersion: 1.0\\n"}
            with tarfile.open(sys.argv[1] + "/pylambda-evil-1.0.tar.gz", "w:gz") as tar:
                for name, text in files.items():
                    data = text.encode()
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            """)
        try FileManager.default.createDirectory(atPath: work.path + "/wheels", withIntermediateDirectories: false)
        try run(["python3", work.path + "/make.py", work.path + "/wheels", marker])
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_FIND_LINKS"] = work.path + "/wheels"
        environment["PIP_NO_INDEX"] = "1"
        let requirements = try Requirements(parsing: "pylambda-evil\n")

        let store = TemporaryDirectory("store")
        await #expect(throws: DependencyError.noCompatibleWheel(name: "pylambda-evil", target: "cp311 manylinux_2_36_x86_64")) {
            try await DependencyStore(configuration: configuration(store, uv: uv) { $0.environment = environment }).set(for: requirements)
        }
        let python = try #require(HostPython.which("python3.11", environment: environment))
        var pip = DependencyStoreConfiguration(directory: store.path + "/pip")
        pip.installer = .pip(python: python)
        pip.environment = environment
        await #expect(throws: DependencyError.noMatchingDistribution(name: "pylambda-evil", target: "cp311 manylinux_2_36_x86_64")) {
            try await DependencyStore(configuration: pip).set(for: requirements)
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "setup.py ran on the host")
        // The same sdist does run its setup.py when something builds it: the mark is a real detector.
        try run(["python3", "-c", "import runpy, tarfile, tempfile, os; d = tempfile.mkdtemp(); tarfile.open('\(work.path)/wheels/pylambda-evil-1.0.tar.gz').extractall(d); os.chdir(d + '/pylambda-evil-1.0'); exec(open('setup.py').read().split('from setuptools')[0])"])
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test func pipIsUsedTheSameWayWhereThereIsNoUV() async throws {
        let python = try #require(HostPython.which("python3.11", environment: ProcessInfo.processInfo.environment))
        let store = TemporaryDirectory("store")
        var configuration = DependencyStoreConfiguration(directory: store.path + "/deps")
        configuration.installer = .pip(python: python)
        let dependencies = DependencyStore(configuration: configuration)
        let six = try await dependencies.set(for: Requirements(parsing: "six\n"))
        #expect(six.metadata.tool.hasPrefix("pip "))
        let lock = try String(contentsOfFile: six.lockFile, encoding: .utf8)
        #expect(lock.hasPrefix("six==") && lock.contains("--hash=sha256:"), "\(lock)")
        #expect(FileManager.default.fileExists(atPath: six.sitePackages + "/six.py"))
        await #expect(throws: DependencyError.noMatchingDistribution(name: "docopt", target: "cp311 manylinux_2_36_x86_64")) {
            try await dependencies.set(for: Requirements(parsing: "docopt\n"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/deps/.staging").isEmpty)
        // pip would build an sdist a direct reference or an index page of the file's choosing leads
        // to, whatever --only-binary says: with pip, those are refused before pip runs.
        for text in ["six @ http://127.0.0.1:9/six-1.16.0-py2.py3-none-any.whl\n", "--find-links http://127.0.0.1:9/\nsix\n"] {
            await #expect { try await dependencies.set(for: Requirements(parsing: text)) } throws: { error in
                guard case .installerUnavailable(let reason) = error as? DependencyError else { return false }
                return reason.contains("install uv")
            }
        }
    }
}
