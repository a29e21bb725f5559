#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One install of one set, start to finish: lock the key, look again (another process may have
/// finished it), install into `.staging/<key>.<random>`, check and freeze the result, write the
/// lock and metadata beside it, rename it into place. Any failure removes the staging directory,
/// so nothing half-installed is ever left where a set would be found.
struct DependencyInstallation {
    let configuration: DependencyStoreConfiguration
    let requirements: Requirements
    let key: DependencySetKey

    private static let quickTimeout: Duration = .seconds(60)

    func run() async throws(DependencyError) -> DependencySet {
        guard let store = try StoreDirectory.open(configuration.directory, create: true, rootMode: configuration.rootMode) else {
            throw .unusableStore(path: configuration.directory, reason: "it could not be created")
        }
        let locks = try store.subdirectory(DependencySetLayout.locks)
        let lock = try await StoreLock.acquire(key, in: locks)
        defer { withExtendedLifetime(lock) {} }
        if let finished = DependencyStore.existingSet(key, in: store) { return finished }
        if store.root.status(key.rawValue) != nil {
            // A directory without valid metadata: not a set. Out of the way before the rename.
            let trash = try store.subdirectory(DependencySetLayout.trash)
            let name = "\(key).\(StoreDirectory.randomSuffix())"
            do {
                try store.root.move(key.rawValue, to: trash, as: name)
                try trash.removeTree(name)
            } catch { throw .fileSystem(error) }
        }

        let staging = try store.subdirectory(DependencySetLayout.staging)
        let name = "\(key).\(StoreDirectory.randomSuffix())"
        do {
            try staging.makeDirectory(name)
        } catch {
            throw .fileSystem(error)
        }
        do {
            let directory: OpenDirectory
            do {
                directory = try OpenDirectory(in: staging, name: name)
                try directory.makeDirectory(DependencySetLayout.sitePackages)
                try directory.makeDirectory("work")
            } catch {
                throw DependencyError.fileSystem(error)
            }
            let metadata = try await install(into: directory, cacheDirectory: try cacheDirectory(store))
            do {
                try staging.move(name, to: store.root, as: key.rawValue)
                // Writable for the move (see OpenDirectory.move); read-only from now on.
                try directory.setMode(0o555)
            } catch {
                throw DependencyError.fileSystem(error)
            }
            return DependencySet(key: key, directory: store.path + "/" + key.rawValue, metadata: metadata)
        } catch {
            try? staging.removeTree(name)
            throw error as? DependencyError ?? .cancelled
        }
    }

    private func install(into directory: OpenDirectory, cacheDirectory: String) async throws(DependencyError) -> DependencySetMetadata {
        let environment = configuration.environment ?? ProcessInfo.processInfo.environment
        let settings = IndexSettings(requirements: requirements, environment: environment)
        let sitePackages = directory.path + "/" + DependencySetLayout.sitePackages
        let workDirectory = directory.path + "/work"
        var python: HostPython?
        let tool: String, lock: String
        if requirements.isEmpty {
            // Nothing to install: an empty set, without starting any tool.
            (tool, lock) = ("none", "")
        } else {
            python = await HostPython.find(
                configured: configuration.python, target: configuration.target, environment: settings.environment,
                timeout: Self.quickTimeout)
            let installer = try chooseInstaller(python: python, environment: environment)
            let request = InstallRequest(
                requirements: requirements, target: configuration.target, settings: settings, sitePackages: sitePackages,
                workDirectory: workDirectory, cacheDirectory: cacheDirectory, python: python?.executable,
                timeout: configuration.installTimeout)
            tool = try await installer.toolVersion(environment: request.environment, timeout: Self.quickTimeout)
            lock = try await installer.install(request)
        }

        let inspector = SetInspector(
            key: key, target: configuration.target, maxBytes: configuration.maxSetBytes, maxFiles: configuration.maxSetFiles)
        _ = try inspector.inspect(sitePackages, makeReadOnly: false)
        var compiled = false
        if configuration.compileBytecode, let python, python.matches(configuration.target) {
            try await python.compileBytecode(
                in: sitePackages, workDirectory: workDirectory, environment: settings.environment, timeout: configuration.installTimeout)
            compiled = true
        }
        let summary = try inspector.inspect(sitePackages, makeReadOnly: true)
        do { try directory.removeTree("work") } catch { throw .fileSystem(error) }

        let metadata = DependencySetMetadata(
            key: key, created: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            sizeBytes: summary.bytes, fileCount: summary.files, tool: tool, pythonTag: configuration.target.pythonTag,
            platformTag: configuration.target.platformTag, requirements: requirements.normalizedText,
            installed: summary.distributions, bytecodeCompiled: compiled)
        let json: Data
        do { json = try DependencySetMetadata.encoder.encode(metadata) } catch {
            throw .fileSystem(FileSystemError(path: DependencySetLayout.metadata, operation: "encode", code: EINVAL))
        }
        try StoreFile.write(directory.path + "/" + DependencySetLayout.requirements, requirements.normalizedText, mode: 0o444)
        try StoreFile.write(directory.path + "/" + DependencySetLayout.lock, lock, mode: 0o444)
        // Written last: a set is a set once its metadata exists.
        try StoreFile.write(directory.path + "/" + DependencySetLayout.metadata, String(decoding: json, as: UTF8.self) + "\n", mode: 0o444)
        return metadata
    }

    private func chooseInstaller(python: HostPython?, environment: [String: String]) throws(DependencyError) -> any DependencyInstaller {
        switch configuration.installer {
        case .uv(let executable):
            return UVInstaller(executable: executable)
        case .pip(let python):
            return PipInstaller(python: python)
        case .automatic:
            if let uv = HostPython.which("uv", environment: environment) { return UVInstaller(executable: uv) }
            if let python { return PipInstaller(python: python.executable) }
            throw .installerUnavailable("neither uv nor python3 is on PATH")
        }
    }

    private func cacheDirectory(_ store: StoreDirectory) throws(DependencyError) -> String {
        if let configured = configuration.cacheDirectory { return configured }
        _ = try store.subdirectory(DependencySetLayout.cache)
        return store.path + "/" + DependencySetLayout.cache
    }
}
