import FunctionRegistry
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The first admin key. With `PYLAMBDA_ADMIN_KEY` set, that is it. Otherwise the first start of a
/// registry makes one, stores its hash as the key `admin`, and writes the secret to `admin.key` in the
/// state directory (mode 0600, this user only), saying where.
public enum AdminKey {
    public static let fileName = "admin.key"

    static func bootstrap(store: any FunctionStore, stateDirectory: String, fromEnvironment: String?, logger: Logger) async throws {
        if fromEnvironment != nil { return }
        let path = stateDirectory + "/" + fileName
        if try await store.bearerKeys().contains(where: { $0.name == "admin" && $0.revokedAt == nil }) {
            if access(path, R_OK) != 0 {
                logger.notice("the registry already has an admin key, but \(path) is gone: set PYLAMBDA_ADMIN_KEY, or use another admin key")
            }
            return
        }
        let secret = BearerKeySecret.generate()
        // The file appears only once the key works: whoever waits for it (a script, `pylambda deploy`)
        // may use it at once. Written before the key is stored, so that a secret in the registry is
        // never one nobody has.
        let temporary = try writeTemporary(secret, for: path)
        do {
            _ = try await store.createBearerKey(NewBearerKey(name: "admin", secret: secret, scope: .admin))
            guard rename(temporary, path) == 0 else { throw RegistryError.unavailable("cannot write \(path)") }
        } catch {
            unlink(temporary)
            throw error
        }
        logger.notice("created the admin key; it is in \(path) (mode 0600). `pylambda keys create` makes more.")
    }

    /// Written whole beside `path`, readable by this user only, never through a link; returns its path,
    /// for a rename into place.
    private static func writeTemporary(_ secret: String, for path: String) throws -> String {
        let temporary = path + ".\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RegistryError.unavailable("cannot write \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            unlink(temporary)
            throw RegistryError.unavailable("cannot write \(path)")
        }
        return temporary
    }

    /// The key in `admin.key`, for the CLI on the same machine.
    public static func read(stateDirectory: String) -> String? {
        let descriptor = open(stateDirectory + "/" + fileName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self).trimmingSpaces.split(separator: "\n").first.map(String.init)
    }
}
