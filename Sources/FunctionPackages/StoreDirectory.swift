#if canImport(Glibc)
import Glibc
#endif

/// The store's root, opened without following a symlink, owned by this user and closed to everyone
/// else: 0700, or 0711 for a dependency store that runners' containers traverse (read-only) to reach
/// the sets whose keys they are given, without being able to list the store. What is in it is never
/// followed through a link.
struct StoreDirectory {
    let root: OpenDirectory
    /// Absolute: tools run in other working directories.
    var path: String { root.path }

    /// Opens the store, creating it (and missing parents, 0700) when `create` is set; nil when it
    /// does not exist and `create` is not set.
    static func open(_ path: String, create: Bool, rootMode: mode_t = 0o700) throws(DependencyError) -> StoreDirectory? {
        var absolute = path
        if !absolute.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else { throw .fileSystem(FileSystemError(path: path, operation: "resolve")) }
            absolute = displayName(buffer) + "/" + path
        }
        while absolute.count > 1 && absolute.hasSuffix("/") { absolute.removeLast() }
        if create {
            var current = ""
            for component in absolute.split(separator: "/") {
                current += "/" + component
                if mkdir(current, 0o700) != 0 && errno != EEXIST {
                    throw .unusableStore(path: absolute, reason: "cannot create \(current): \(SystemError.message(errno))")
                }
            }
        }
        let root: OpenDirectory
        do { root = try OpenDirectory(path: absolute) } catch {
            if error.code == ENOENT && !create { return nil }
            let reason = error.code == ELOOP || error.code == ENOTDIR ? "it is not a directory (or is a symbolic link)" : SystemError.message(error.code)
            throw .unusableStore(path: absolute, reason: reason)
        }
        var info = stat()
        guard fstat(root.fd, &info) == 0 else { throw .fileSystem(FileSystemError(path: absolute, operation: "stat")) }
        guard info.st_uid == geteuid() else {
            throw .unusableStore(path: absolute, reason: "it belongs to uid \(info.st_uid), not to this user (uid \(geteuid()))")
        }
        if info.st_mode & 0o777 != rootMode {
            do { try root.setMode(rootMode) } catch { throw .fileSystem(error) }
        }
        return StoreDirectory(root: root)
    }

    /// A private subdirectory (`.staging`, `.locks`, ...), created on first use.
    func subdirectory(_ name: String) throws(DependencyError) -> OpenDirectory {
        if mkdirat(root.fd, name, 0o700) != 0 && errno != EEXIST {
            throw .fileSystem(FileSystemError(path: path + "/" + name, operation: "create directory"))
        }
        do { return try OpenDirectory(in: root, name: name) } catch { throw .fileSystem(error) }
    }

    /// Eight random bytes in hex, for staging and trash names.
    static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(to: 16)
    }
}
