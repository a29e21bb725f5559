import Foundation
@testable import RunnerServer
import Testing

@Suite("The support modules' code cache")
struct SupportCodeCacheTests {
    @Test
    func theCacheIsUsedOnlyForTheSameSourcesAndTheSameCPython() async throws {
        let directory = try makeTemporaryDirectory("pylambda-cache")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/support-code"
        let written = try await withInterpreterLease { try Runner.writeSupportCodeCache(to: path, interpreter: testInterpreter) }
        #expect(written > 1000)
        let version = try await testInterpreter.perform { python in python.version }
        let modules = RunnerSupportModule.modules

        let cached = try #require(SupportCodeCache.read(path, modules: modules, pythonVersion: version))
        #expect(cached.count == modules.count)
        #expect(SupportCodeCache.read(path, modules: modules, pythonVersion: "3.12.0 (another CPython)") == nil)
        #expect(SupportCodeCache.read("\(directory)/missing", modules: modules, pythonVersion: version) == nil)

        // A cache made from other sources (one byte differs) is not used.
        var edited = modules
        var source = edited[1].source
        source[source.count / 2] ^= 0x01
        edited[1] = RunnerSupportModule.Source(name: edited[1].name, filename: edited[1].filename, source: source)
        #expect(SupportCodeCache.read(path, modules: edited, pythonVersion: version) == nil)

        // A truncated file is not used either.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path))
        #expect(SupportCodeCache.read(path, modules: modules, pythonVersion: version) == nil)
    }
}
