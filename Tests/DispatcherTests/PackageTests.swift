import DockerEngine
import Foundation
import FunctionPackages
import Testing

@testable import Dispatcher

/// Packages and dependency sets in real containers: the examples as they ship, numpy from PyPI, the
/// warm pool, and Lambda's `handler(event, context)`.
extension DockerTests {
    /// Shared by the runs of this suite, so that numpy is downloaded once per machine.
    static let packageStore = "/tmp/pylambda-dispatcher-tests-packages"

    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples").appendingPathComponent(name).path
    }

    func usingPackageStore(_ configuration: inout DispatcherConfiguration) {
        configuration.dependencyStoreDirectory = PackagePreparer.dependencyStoreDirectory(in: Self.packageStore)
    }

    /// What `pylambda run` does with a path: the package checked, extracted and its requirements installed.
    func definition(
        of path: String, requirements: String? = nil, identity: FunctionIdentity? = nil,
        configuration: FunctionConfiguration = FunctionConfiguration(), handler: String? = nil
    ) async throws -> FunctionDefinition {
        var package = try FunctionPackage.load(path: path, handler: handler)
        if let requirements {
            package = try FunctionPackage(zip: package.zip, handler: package.handler, requirements: try Requirements(parsing: requirements))
        }
        let prepared = try await PackagePreparer(directory: Self.packageStore).prepare(package)
        let code: FunctionDefinition.Code = prepared.directory.map { .package(directory: $0, digest: package.digest) } ?? .source(package.source ?? "")
        return FunctionDefinition(
            code: code, handler: prepared.handler, dependencySet: prepared.dependencySet?.key.rawValue,
            configuration: configuration, identity: identity)
    }

    /// A package directory with these files, for the test's lifetime.
    func packageDirectory(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pylambda-package-\(UUID().uuidString)")
        for (path, contents) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    @Test func numpyFromRequirementsRunsInAHardenedContainerWithoutNetwork() async throws {
        try await withDispatcher(usingPackageStore) { dispatcher, docker in
            let stats = try await definition(of: Self.example("numpy-stats"))
            #expect(stats.dependencySet != nil)
            let answer = try await dispatcher.invoke(stats, json: #"{"values": [1, 2, 3]}"#)
            let result = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
            #expect(result?["mean"] as? Double == 2.0)
            #expect(result?["matrix_product"] as? [[Double]] == [[2, 3], [6, 11]])

            // The same set, seen from inside: on sys.path, read-only, and no network but loopback.
            let probe = try packageDirectory([
                "main.py": """
                    import os, socket, sys, numpy
                    def entrypoint(data):
                        try:
                            open(os.path.join(os.path.dirname(numpy.__file__), "planted.py"), "w")
                            writable = True
                        except OSError:
                            writable = False
                        try:
                            open("/var/task/planted.py", "w")
                            task_writable = True
                        except OSError:
                            task_writable = False
                        return {"interfaces": sorted(name for _, name in socket.if_nameindex()),
                                "numpy_from": numpy.__file__, "deps_writable": writable, "task_writable": task_writable,
                                "uid": os.getuid()}
                    """,
                "requirements.txt": "numpy==2.2.6\n",
            ])
            defer { try? FileManager.default.removeItem(atPath: probe) }
            let probeDefinition = try await definition(of: probe)
            #expect(probeDefinition.dependencySet == stats.dependencySet, "the same requirements share one set")
            let seen = try JSONSerialization.jsonObject(with: Data(try await dispatcher.invoke(probeDefinition, json: "null").utf8)) as? [String: Any]
            #expect(seen?["interfaces"] as? [String] == ["lo"])
            #expect((seen?["numpy_from"] as? String)?.hasPrefix(RunnerMount.dependencyDirectory + "/") == true)
            #expect(seen?["deps_writable"] as? Bool == false)
            #expect(seen?["task_writable"] as? Bool == false)
            #expect(seen?["uid"] as? Int != 0)
            for runner in dispatcher.runners() {
                let inspected = try await docker.inspectContainer(runner.id)
                #expect(inspected.hostConfiguration.networkMode == "none")
            }
        }
    }

    @Test func aPackageOnTheWarmPoolCostsOneLoadAndNoContainerStart() async throws {
        try await withDispatcher({
            usingPackageStore(&$0)
            $0.warmPoolSize = 1
        }) { dispatcher, _ in
            let stats = try await definition(of: Self.example("numpy-stats"))
            let modules = try await definition(of: Self.example("multi-module"))
            for function in [modules, stats] {
                // A generic runner is ready; the call takes it by /load.
                #expect(await TestEnvironment.eventually(timeout: .seconds(30)) {
                    dispatcher.runners().contains { $0.codeHash == nil && !$0.busy }
                })
                let generic = try #require(dispatcher.runners().first { $0.codeHash == nil })
                _ = try await dispatcher.invoke(function, json: #"{"name": "Ada", "values": [1]}"#)
                let serving = dispatcher.runners().filter { $0.codeHash == function.codeHash }
                #expect(serving.map(\.id) == [generic.id], "served by the warm runner, not a new container")
            }
        }
    }

    @Test func aTwoParameterHandlerGetsAContextWhoseTimeCountsDown() async throws {
        try await withDispatcher { dispatcher, _ in
            let source = """
                import time
                def handler(event, context):
                    first = context.get_remaining_time_in_millis()
                    time.sleep(0.3)
                    second = context.get_remaining_time_in_millis()
                    return {"first": first, "second": second, "name": context.function_name,
                            "version": context.function_version, "memory": context.memory_limit_in_mb,
                            "request": context.aws_request_id, "arn": context.invoked_function_arn, "event": event}
                """
            var configuration = FunctionConfiguration()
            configuration.timeout = .seconds(5)
            let function = FunctionDefinition(
                source: source, handler: "handler", configuration: configuration,
                identity: FunctionIdentity(name: "ctx", version: "3", invokedFunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:ctx"))
            let answer = try await dispatcher.invoke(function, payload: Array(#"{"k": 1}"#.utf8), invocationID: "req-123")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(answer.json)) as? [String: Any])
            let first = try #require(result["first"] as? Int)
            let second = try #require(result["second"] as? Int)
            #expect(first <= 5000 && first > 4000)
            #expect(second <= first - 250, "the remaining time counts down: \(first) then \(second)")
            #expect(result["name"] as? String == "ctx")
            #expect(result["version"] as? String == "3")
            #expect(result["memory"] as? Int == 256)
            #expect(result["request"] as? String == "req-123")
            #expect(result["arn"] as? String == "arn:aws:lambda:us-east-1:000000000000:function:ctx")
            #expect(result["event"] as? [String: Int] == ["k": 1])

            // One parameter is the classic entrypoint(data), also under another name.
            let classic = FunctionDefinition(source: "def main(data):\n    return data['k'] * 2\n", handler: "main")
            #expect(try await dispatcher.invoke(classic, json: #"{"k": 21}"#) == "42")
        }
    }
}
