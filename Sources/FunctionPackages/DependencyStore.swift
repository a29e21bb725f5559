#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed, read-only dependency sets: `STORE/<key>/site-packages`, with the pinned
/// result (`requirements.lock`), the normalised requirements and `metadata.json` beside it.
///
/// The same requirements for the same runner give the same key, so a set is installed once and
/// then reused with no tool run and no download. An install happens in `.staging/` under a
/// per-key `flock` (several processes may share a store) and becomes visible with one `rename`,
/// so a set is either complete or absent. Within this process, concurrent requests for the same
/// key share one install.
public actor DependencyStore {
    public nonisolated let configuration: DependencyStoreConfiguration
    private var inFlight: [DependencySetKey: Task<DependencySet, any Error>] = [:]

    public init(configuration: DependencyStoreConfiguration) {
        self.configuration = configuration
    }

    public nonisolated func key(for requirements: Requirements) -> DependencySetKey {
        requirements.key(for: configuration.target)
    }

    /// The set for `requirements`: the existing one, or a new one installed now. Cancelling the
    /// caller cancels the install (and any other caller waiting on the same key gets `.cancelled`).
    public func set(for requirements: Requirements) async throws(DependencyError) -> DependencySet {
        guard configuration.allowIndexOptionsInRequirements || (requirements.options.isEmpty && requirements.directReferences.isEmpty) else {
            throw .indexOptionsNotAllowed(options: requirements.options + requirements.directReferences)
        }
        let key = key(for: requirements)
        if let existing = try existingSet(for: key) {
            markUsed(key)
            return existing
        }
        let task: Task<DependencySet, any Error>
        if let running = inFlight[key] {
            task = running
        } else {
            let configuration = self.configuration
            task = Task { try await DependencyInstallation(configuration: configuration, requirements: requirements, key: key).run() }
            inFlight[key] = task
        }
        do {
            let set = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            if inFlight[key] == task { inFlight[key] = nil }
            markUsed(key)
            return set
        } catch {
            if inFlight[key] == task { inFlight[key] = nil }
            throw error as? DependencyError ?? .cancelled
        }
    }

    /// The finished set with this key, if the store has one; never installs.
    public nonisolated func existingSet(for key: DependencySetKey) throws(DependencyError) -> DependencySet? {
        guard let store = try StoreDirectory.open(configuration.directory, create: false, rootMode: configuration.rootMode) else { return nil }
        return Self.existingSet(key, in: store)
    }

    /// Every finished set, by key.
    public nonisolated func list() throws(DependencyError) -> [DependencySetInfo] {
        guard let store = try StoreDirectory.open(configuration.directory, create: false, rootMode: configuration.rootMode) else { return [] }
        let used = try? OpenDirectory(in: store.root, name: DependencySetLayout.used)
        let entries: [OpenDirectory.Entry]
        do { entries = try store.root.entries() } catch { throw .fileSystem(error) }
        return entries.compactMap { entry -> DependencySetInfo? in
            guard entry.type == S_IFDIR, let key = DependencySetKey(entry.name), let set = Self.existingSet(key, in: store) else { return nil }
            var lastUsed = set.metadata.created
            if let info = used?.status(key.rawValue) {
                lastUsed = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            }
            return DependencySetInfo(set: set, lastUsed: lastUsed)
        }.sorted { $0.set.key < $1.set.key }
    }

    /// Removes every set not in `keeping`, and what failed installs left behind. A set whose key
    /// is locked (being installed or removed by some process) is left alone. Returns the keys
    /// removed.
    @discardableResult
    public nonisolated func garbageCollect(keeping: Set<DependencySetKey>) throws(DependencyError) -> [DependencySetKey] {
        guard let store = try StoreDirectory.open(configuration.directory, create: false, rootMode: configuration.rootMode) else { return [] }
        let locks = try store.subdirectory(DependencySetLayout.locks)
        let trash = try store.subdirectory(DependencySetLayout.trash)
        let staging = try store.subdirectory(DependencySetLayout.staging)
        let used = try store.subdirectory(DependencySetLayout.used)
        var removed: [DependencySetKey] = []
        do throws(FileSystemError) {
            for entry in try store.root.entries() {
                guard let key = DependencySetKey(entry.name), !keeping.contains(key) else { continue }
                guard let lock = try? StoreLock.tryAcquire(key, in: locks) else { continue }
                // Out of sight first, in one rename; then deleted at leisure.
                let trashName = "\(key).\(StoreDirectory.randomSuffix())"
                try store.root.move(entry.rawName, to: trash, as: trashName)
                try trash.removeTree(trashName)
                unlinkat(used.fd, key.rawValue, 0)
                withExtendedLifetime(lock) {}
                removed.append(key)
            }
            // Installs that died half-way: their key is no longer locked.
            for entry in try staging.entries() {
                guard let key = DependencySetKey(String(entry.name.prefix(64))), let lock = try? StoreLock.tryAcquire(key, in: locks) else { continue }
                try staging.removeTree(entry.rawName)
                withExtendedLifetime(lock) {}
            }
            for entry in try trash.entries() { try trash.removeTree(entry.rawName) }
        } catch {
            throw .fileSystem(error)
        }
        return removed.sorted()
    }

    /// Records "used now" for `key` (what `deps ls` shows and `deps gc --unused-for` goes by). A caller
    /// that keeps using a set it found once (a server's cache) calls this now and then.
    public nonisolated func markUsed(_ key: DependencySetKey) {
        guard let store = try? StoreDirectory.open(configuration.directory, create: false, rootMode: configuration.rootMode),
            let used = try? store.subdirectory(DependencySetLayout.used),
            let fd = try? used.openFile(key.rawValue, flags: O_WRONLY | O_CREAT, mode: 0o600)
        else { return }
        futimens(fd, nil)
        close(fd)
    }

    /// The set if `<key>` is a real directory with metadata for that key; a leftover without
    /// (which an atomic rename cannot produce) counts as absent and is replaced by the next install.
    static func existingSet(_ key: DependencySetKey, in store: StoreDirectory) -> DependencySet? {
        guard let directory = try? OpenDirectory(in: store.root, name: key.rawValue),
            let fd = try? directory.openFile(DependencySetLayout.metadata, flags: O_RDONLY | O_NONBLOCK)
        else { return nil }
        defer { close(fd) }
        guard let bytes = (try? readAll(fd, limit: 1 << 20, path: DependencySetLayout.metadata)) ?? nil,
            let metadata = try? DependencySetMetadata.decoder.decode(DependencySetMetadata.self, from: Data(bytes)),
            metadata.key == key
        else { return nil }
        return DependencySet(key: key, directory: directory.path, metadata: metadata)
    }
}

extension DependencySetMetadata {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
