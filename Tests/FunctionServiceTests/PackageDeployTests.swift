import Foundation
import Testing

/// Packages through `pylambda serve`: both ways of sending a zip, requirements installed once and
/// rebuilt from the registry, unsafe zips refused, and Lambda's `handler(event, context)`.
extension ServiceAPITests {
    static func example(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples").appendingPathComponent(name)
    }

    /// A zip made by Python's zipfile: `entries` are (name, contents), or (name, link target) with
    /// `symlinks`. Built by a real zip writer, so that what is refused is the entry, not the format.
    static func zip(_ entries: [(String, String)], symlinks: Set<String> = []) throws -> [UInt8] {
        let script = """
            import io, json, sys, zipfile
            spec = json.load(sys.stdin)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as z:
                for name, contents, link in spec:
                    info = zipfile.ZipInfo(name)
                    if link:
                        info.external_attr = (0o120777 << 16)
                    z.writestr(info, contents)
            sys.stdout.buffer.write(out.getvalue())
            """
        let spec = entries.map { [$0.0, $0.1, symlinks.contains($0.0)] as [Any] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: spec))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    /// The files of an example directory, as zip entries.
    static func entries(ofExample name: String) throws -> [(String, String)] {
        let root = example(name)
        var entries: [(String, String)] = []
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walker?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let relative = String(url.path.dropFirst(root.path.count + 1))
            entries.append((relative, try String(contentsOf: url, encoding: .utf8)))
        }
        return entries
    }

    /// `pylambda` with these arguments and environment variables; its exit status and its standard
    /// output and error, together.
    static func cliWithStatus(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try ServeProcess.cli()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        process.environment = merged
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `pylambda` with these arguments; its standard output and error.
    static func cli(_ arguments: [String]) throws -> String {
        try cliWithStatus(arguments).output
    }

    func deployZip(_ serve: ServeProcess, _ name: String, _ zip: [UInt8], settings: [String: Any] = [:]) async throws -> ServiceHTTP.Answer {
        var body = settings
        body["zip"] = Data(zip).base64EncodedString()
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await serve.call(.PUT, "/v1/functions/\(name)", body: String(decoding: data, as: UTF8.self))
    }

    @Test func packagesDeployAsBase64OrAsAZipBody() async throws {
        try await withServe { serve in
            let zip = try Self.zip(try Self.entries(ofExample: "multi-module"))
            let created = try await deployZip(serve, "modules", zip)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.object["kind"] as? String == "zip" && created.object["handler"] as? String == "main.entrypoint")
            #expect(created.object["dependency_set"] == nil)
            let answer = try await serve.invoke("modules", #"{"name": "Ada"}"#)
            #expect(answer.object["greeting"] as? String == "Hello, Ada!", "\(answer.text)")

            let raw = try await ServiceHTTP.shared.request(
                .PUT, serve.url + "/v1/functions/modules?handler=main.entrypoint&memory_mb=128&env=GREETING%3Dhi&description=raw",
                key: serve.adminKey, bytes: zip, headers: [("Content-Type", "application/zip")])
            #expect(raw.status == 200, "\(raw.text)")
            #expect(raw.object["version"] as? Int == 2 && raw.object["memory_mb"] as? Int == 128)
            #expect(raw.object["env"] as? [String] == ["GREETING"] && raw.object["description"] as? String == "raw")
            #expect(try await serve.invoke("modules", #"{"name": "Bo"}"#).object["greeting"] as? String == "Hello, Bo!")
            // A setting by another name is refused, not dropped (the default timeout would apply).
            let misnamed = try await ServiceHTTP.shared.request(
                .PUT, serve.url + "/v1/functions/modules?timeout=5", key: serve.adminKey, bytes: zip, headers: [("Content-Type", "application/zip")])
            #expect(misnamed.status == 400 && (misnamed.object["detail"] as? String)?.hasPrefix("unknown query parameter \"timeout\"") == true, "\(misnamed.text)")

            let inQuery = try await serve.call(.PUT, "/v1/functions/modules?timeout_s=5", body: #"{"code": "def entrypoint(d): return d\n"}"#)
            #expect(inQuery.status == 400 && (inQuery.object["detail"] as? String)?.hasPrefix("a JSON deploy takes its settings in the body") == true, "\(inQuery.text)")

            // The CLI tells a zip as `run` does: by its name in any case, or by its first bytes.
            for file in ["BUNDLE.ZIP", "bundle"] {
                let path = serve.state + "-" + file
                try Data(zip).write(to: URL(fileURLWithPath: path))
                defer { try? FileManager.default.removeItem(atPath: path) }
                let deployed = try Self.cliWithStatus(["deploy", "modules", path, "--server", serve.url], environment: ["PYLAMBDA_KEY": serve.adminKey])
                #expect(deployed.status == 0 && deployed.output.contains(#""kind":"zip""#), "\(file): \(deployed.output)")
            }

            // Another handler in the same package, named module.function.
            let other = try await deployZip(
                serve, "modules", try Self.zip([("main.py", "def entrypoint(d): return 1\n"), ("tools/calc.py", "def double(d):\n    return d * 2\n"), ("tools/__init__.py", "")]),
                settings: ["handler": "tools.calc.double"])
            #expect(other.status == 200, "\(other.text)")
            #expect(try await serve.invoke("modules", "21").text == "42")
        }
    }

    @Test func requirementsAreInstalledOnceRecordedAndRebuiltFromTheRegistry() async throws {
        let state = "/tmp/pylambda-serve-packages-\(getpid())"
        defer { ServeProcess.removeState(at: state) }
        let serve = try await ServeProcess(state: state, warmPool: 0)
        let entries = try Self.entries(ofExample: "numpy-stats")
        let first = try await deployZip(serve, "stats", try Self.zip(entries))
        #expect(first.status == 201, "\(first.text)")
        let key = try #require(first.object["dependency_set"] as? String)
        let firstAnswer = try await serve.invoke("stats", #"{"values": [1, 2, 3]}"#)
        #expect(firstAnswer.object["mean"] as? Double == 2.0, "\(firstAnswer.status) \(firstAnswer.text)")
        // New code, same requirements: the same set, left as it was (not installed again).
        let before = try FileManager.default.attributesOfItem(atPath: state + "/deps/" + key)[.systemFileNumber] as? Int
        let second = try await deployZip(serve, "stats", try Self.zip(entries + [("extra.py", "X = 1\n")]))
        #expect(second.status == 200 && second.object["dependency_set"] as? String == key)
        let after = try FileManager.default.attributesOfItem(atPath: state + "/deps/" + key)[.systemFileNumber] as? Int
        #expect(before != nil && before == after, "the second deploy reused the set")

        // `pylambda deps gc` under a running serve: the set goes, and the next call brings it back.
        let listed = try Self.cli(["deps", "ls", "--state", state])
        #expect(listed.contains(String(key.prefix(12))) && listed.contains("numpy=="), "\(listed)")
        let collected = try Self.cli(["deps", "gc", "--dir", state, "--unused-for", "0"])
        #expect(collected.contains("removed \(key)"), "\(collected)")
        #expect(!FileManager.default.fileExists(atPath: state + "/deps/" + key))
        let afterGC = try await serve.invoke("stats", #"{"values": [5]}"#)
        #expect(afterGC.status == 200 && afterGC.object["mean"] as? Double == 5.0, "\(afterGC.text)")
        #expect(FileManager.default.fileExists(atPath: state + "/deps/" + key), "installed again for the call")
        #expect(await serve.stop() == 0)

        // The sets and extracted packages are a cache: gone, they are rebuilt from the registry.
        try FileManager.default.removeItem(atPath: state + "/deps")
        try FileManager.default.removeItem(atPath: state + "/packages")
        let again = try await ServeProcess(state: state, warmPool: 0)
        let answer = try await again.invoke("stats", #"{"values": [2, 4]}"#)
        #expect(answer.status == 200 && answer.object["mean"] as? Double == 3.0, "\(answer.text)")
        #expect(FileManager.default.fileExists(atPath: state + "/deps/" + key))
        #expect(await again.stop() == 0)
    }

    /// Extracted packages are a cache: at start, serve removes those extracted more than an hour
    /// ago (a deleted function's, a refused deploy's), and extracts a version's again when it runs.
    @Test func oldExtractedPackagesGoAtStartAndComeBackWhenNeeded() async throws {
        let state = "/tmp/pylambda-serve-package-trees-\(getpid())"
        defer { ServeProcess.removeState(at: state) }
        let packages = state + "/packages/"
        func trees() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: packages).filter { $0.count == 64 })
        }
        func makeTree(_ digest: String, age: TimeInterval) throws {
            try FileManager.default.createDirectory(atPath: packages + digest, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: packages + digest)
        }
        let serve = try await ServeProcess(state: state, warmPool: 0)
        #expect(try await deployZip(serve, "modules", try Self.zip(try Self.entries(ofExample: "multi-module"))).status == 201)
        #expect(try await serve.invoke("modules", #"{"name": "Ada"}"#).object["greeting"] as? String == "Hello, Ada!")
        let used = try #require(try trees().first)
        #expect(await serve.stop() == 0)

        let old = String(repeating: "a", count: 64)
        let recent = String(repeating: "b", count: 64)
        try makeTree(old, age: 2 * 3600)
        try makeTree(recent, age: 60)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 3600)], ofItemAtPath: packages + used)
        let again = try await ServeProcess(state: state, warmPool: 0)
        #expect(try trees() == [recent], "the old trees went, the recent one stayed")
        #expect(try await again.invoke("modules", #"{"name": "Bo"}"#).object["greeting"] as? String == "Hello, Bo!")
        #expect(try trees() == [recent, used], "extracted again for the call")
        #expect(await again.stop() == 0)
    }

    @Test func unsafeOrBrokenPackagesAreRefusedAndStoreNothing() async throws {
        try await withServe(warmPool: 0) { serve in
            let main = ("main.py", "def entrypoint(d): return d\n")
            for (zip, reason) in [
                (try Self.zip([main, ("../evil.py", "x = 1\n")]), ".."),
                (try Self.zip([main, ("/etc/evil.py", "x = 1\n")]), "absolute"),
                (try Self.zip([main, ("link.py", "/etc/passwd")], symlinks: ["link.py"]), "link"),
                (try Self.zip([("helper.py", "x = 1\n")]), "main"),
                (Array("this is not a zip".utf8), "zip"),
                (try Self.zip([main, (Array(repeating: "d", count: 32).joined(separator: "/") + "/deep.py", "x = 1\n")]), "nested"),
            ] {
                let answer = try await deployZip(serve, "bad", zip)
                #expect(answer.status == 400 && answer.errorType == "InvalidPackage", "\(answer.text)")
                #expect((answer.object["detail"] as? String)?.lowercased().contains(reason) == true, "\(reason): \(answer.text)")
            }
            let unknown = try await deployZip(
                serve, "bad", try Self.zip([main, ("requirements.txt", "pylambda-no-such-package-4f2a==1.0\n")]))
            #expect(unknown.status == 400 && unknown.errorType == "DependencyInstallFailed", "\(unknown.text)")
            #expect((unknown.object["detail"] as? String)?.contains("pylambda-no-such-package-4f2a") == true)
            // A caller does not choose which URLs the host fetches (serve's own index settings apply).
            let ownIndex = try await deployZip(
                serve, "bad", try Self.zip([main, ("requirements.txt", "--index-url http://127.0.0.1:9/simple\nsix==1.16.0\n")]))
            #expect(ownIndex.status == 400 && ownIndex.errorType == "DependencyInstallFailed", "\(ownIndex.text)")
            #expect((ownIndex.object["detail"] as? String)?.contains("--index-url") == true, "\(ownIndex.text)")
            // Requirements that cannot be installed are the package's problem: exit 2 from deploy, as
            // from run (which lets a package name its index, here one that is not there).
            let project = serve.state + "-project"
            try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: project) }
            try "def entrypoint(data):\n    return data\n".write(toFile: project + "/main.py", atomically: true, encoding: .utf8)
            try "--index-url http://127.0.0.1:9/simple\nsix==1.16.0\n".write(toFile: project + "/requirements.txt", atomically: true, encoding: .utf8)
            let deployed = try Self.cliWithStatus(["deploy", "bad", project, "--server", serve.url], environment: ["PYLAMBDA_KEY": serve.adminKey])
            #expect(deployed.status == 2 && deployed.output.contains("--index-url"), "\(deployed.output)")
            let ran = try Self.cliWithStatus(["run", project])
            #expect(ran.status == 2, "\(ran.output)")
            let ownURL = try await deployZip(
                serve, "bad", try Self.zip([main, ("requirements.txt", "six @ https://127.0.0.1:9/six-1.16.0-py2.py3-none-any.whl\n")]))
            #expect(ownURL.status == 400 && ownURL.errorType == "DependencyInstallFailed", "\(ownURL.text)")
            #expect((ownURL.object["detail"] as? String)?.contains("127.0.0.1:9") == true, "\(ownURL.text)")
            // A line break other than `\n` inside a line would smuggle in an option the tool reads.
            let smuggled = try await deployZip(
                serve, "bad", try Self.zip([main, ("requirements.txt", "six; python_version > \"3\"\r--no-binary six\n")]))
            #expect(smuggled.status == 400 && (smuggled.object["detail"] as? String)?.contains("U+000D") == true, "\(smuggled.text)")
            let notBase64 = try await serve.call(.PUT, "/v1/functions/bad", body: #"{"zip": "%%%"}"#)
            #expect(notBase64.status == 400)
            let both = try await serve.call(.PUT, "/v1/functions/bad", body: #"{"zip": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "code": "x"}"#)
            #expect(both.status == 400)
            #expect(try await serve.call(.GET, "/v1/functions/bad").status == 404, "nothing was stored")
        }
    }

    @Test func aLambdaHandlerGetsItsContextThroughServe() async throws {
        try await withServe { serve in
            let code = try String(contentsOf: Self.example("lambda-handler.py"), encoding: .utf8)
            let deployed = try await serve.deploy("lh", code: code, settings: ["handler": "handler", "timeout_s": 7, "memory_mb": 192])
            #expect(deployed.status == 201, "\(deployed.text)")
            let answer = try await serve.invoke("lh", #"{"a": 1}"#)
            let id = try #require(answer.headers.first(name: "X-Invocation-Id"))
            let result = answer.object
            #expect(result["function"] as? String == "lh" && result["version"] as? String == "$LATEST", "as on Lambda: \(result)")
            #expect(result["memory_mb"] as? Int == 192)
            #expect(result["request_id"] as? String == id, "context.aws_request_id is the invocation's id")
            let remaining = try #require(result["remaining_ms"] as? Int)
            #expect(remaining > 0 && remaining <= 7000)
            // A call that names its version is told that number, sync or async (kept with the queued call).
            #expect(try await serve.invoke("lh", "{}", query: "?version=1").object["version"] as? String == "1")
            for (query, expected) in [("?mode=async", "$LATEST"), ("?version=1&mode=async", "1")] {
                let queued = try await serve.invoke("lh", "{}", query: query)
                let queuedID = try #require(queued.object["invocation_id"] as? String, "\(queued.text)")
                #expect(try await eventually(within: .seconds(30)) {
                    let record = try await serve.call(.GET, "/v1/invocations/\(queuedID)").object
                    return (record["result"] as? [String: Any])?["version"] as? String == expected
                }, "\(query)")
            }
        }
    }
}
