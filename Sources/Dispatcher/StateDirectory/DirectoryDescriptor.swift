#if canImport(Glibc)
import Glibc
#endif

/// An open directory, and every file operation the dispatcher makes inside its state directory,
/// relative to it.
///
/// This is the trust boundary on the host side. Parts of the state directory are shared with
/// containers, whose code is hostile: it may plant symlinks, FIFOs or device-like files wherever it can
/// write. So nothing here opens a path by name from the root: every operation is relative to a directory
/// descriptor, takes a single name component, never follows a symlink (`O_NOFOLLOW`,
/// `AT_SYMLINK_NOFOLLOW`), never blocks on a FIFO (`O_NONBLOCK`), and checks the file type it expects.
final class DirectoryDescriptor: Sendable {
    let descriptor: Int32
    /// The path it was opened at: for messages and bind mounts, never reopened by the dispatcher itself.
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// Opens an absolute path whose every component is trusted (the state directory's own location);
    /// the last component must be a real directory, not a symlink.
    static func open(absolutePath path: String) throws(StateDirectoryError) -> DirectoryDescriptor {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open \(path)", errno) }
        return DirectoryDescriptor(descriptor: descriptor, path: path)
    }

    /// Opens the directory `name` inside this one.
    func openDirectory(_ name: String) throws(StateDirectoryError) -> DirectoryDescriptor {
        try Self.check(name)
        let descriptor = openat(self.descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open \(path)/\(name)", errno) }
        return DirectoryDescriptor(descriptor: descriptor, path: path + "/" + name)
    }

    /// Creates the directory `name` with exactly `mode` (umask does not apply) and opens it. Fails if it
    /// exists, unless `existingIsFine`, in which case an existing real directory is opened as it is.
    func makeDirectory(_ name: String, mode: mode_t, existingIsFine: Bool = false) throws(StateDirectoryError)
        -> DirectoryDescriptor
    {
        try Self.check(name)
        if mkdirat(descriptor, name, 0o700) != 0 {
            guard errno == EEXIST, existingIsFine else { throw .system("mkdir \(path)/\(name)", errno) }
            return try openDirectory(name)
        }
        let directory = try openDirectory(name)
        try directory.setMode(mode)
        return directory
    }

    /// `fchmod` on the open directory: no path is resolved, so no link can redirect it.
    func setMode(_ mode: mode_t) throws(StateDirectoryError) {
        guard fchmod(descriptor, mode) == 0 else { throw .system("chmod \(path)", errno) }
    }

    /// The directory's own status.
    func status() -> stat? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? info : nil
    }

    /// The status of `name` itself (a symlink is reported as a symlink); nil when absent.
    func status(of name: String) -> stat? {
        guard Self.isSingleComponent(name) else { return nil }
        var info = stat()
        return fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// Opens the regular file `name`. Anything else (symlink, FIFO, socket, device, directory) is
    /// refused without blocking: `O_NONBLOCK` keeps a FIFO from stalling the open.
    func openRegularFile(_ name: String, flags: Int32, mode: mode_t = 0o600) throws(StateDirectoryError) -> Int32 {
        try Self.check(name)
        let descriptor = openat(self.descriptor, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .system("open \(path)/\(name)", errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .unexpectedFileType(path + "/" + name)
        }
        return descriptor
    }

    /// The contents of a regular file, up to `limit` bytes; nil when it is absent or not a regular file.
    func read(_ name: String, limit: Int = 1 << 16) -> [UInt8]? {
        guard let descriptor = try? openRegularFile(name, flags: O_RDONLY) else { return nil }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, min($0.count, limit - result.count)) }
            if count <= 0 { break }
            result += buffer[0..<count]
        }
        return result
    }

    /// Writes `name` whole or not at all: a fresh temporary file, then a rename over the old one.
    func writeAtomically(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(StateDirectoryError) {
        try Self.check(name)
        let temporary = ".\(name).\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try openRegularFile(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count, renameat(self.descriptor, temporary, self.descriptor, name) == 0 else {
            let code = errno
            unlinkat(self.descriptor, temporary, 0)
            throw .system("write \(path)/\(name)", code)
        }
    }

    /// The names in the directory, without `.` and `..`.
    func entries() -> [String] {
        rawEntries().map { name in String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// The names as the kernel has them (NUL-terminated bytes), for removal: a name that is not valid
    /// UTF-8 must still be removable.
    func rawEntries() -> [[CChar]] {
        // fdopendir takes ownership of the descriptor it is given: give it a duplicate.
        let duplicate = dup(descriptor)
        guard duplicate >= 0, let stream = fdopendir(duplicate) else {
            if duplicate >= 0 { close(duplicate) }
            return []
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [[CChar]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 }.map { CChar(bitPattern: $0) }) + [0]
            }
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }
        }
        return names
    }

    /// Removes `name` and, if it is a directory, everything below it. Links are removed, never
    /// followed; a directory is entered only through `O_NOFOLLOW | O_DIRECTORY`. Deeper than `depth`
    /// levels is left alone (nothing PyLambda makes is deeper than a few).
    @discardableResult
    func removeTree(_ name: String, depth: Int = 8) -> Bool {
        guard Self.isSingleComponent(name) else { return false }
        return removeTree(raw: Array(name.utf8CString), depth: depth)
    }

    private func removeTree(raw name: [CChar], depth: Int) -> Bool {
        var info = stat()
        guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        if info.st_mode & S_IFMT == S_IFDIR {
            let child = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard depth > 0, child >= 0 else {
                if child >= 0 { close(child) }
                return false
            }
            let directory = DirectoryDescriptor(descriptor: child, path: path + "/?")
            for entry in directory.rawEntries() { _ = directory.removeTree(raw: entry, depth: depth - 1) }
            return unlinkat(descriptor, name, AT_REMOVEDIR) == 0
        }
        return unlinkat(descriptor, name, 0) == 0
    }

    /// Seconds since `name` was last modified, without following it; nil when absent.
    func secondsSinceModified(_ name: String) -> Double? {
        guard let info = status(of: name) else { return nil }
        return Self.age(of: info)
    }

    static func age(of info: stat) -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec - info.st_mtim.tv_sec) + Double(now.tv_nsec - info.st_mtim.tv_nsec) / 1e9
    }

    /// True for one path component: not empty, not `.` or `..`, no `/` and no NUL.
    static func isSingleComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/"))
            && !name.utf8.contains(0)
    }

    private static func check(_ name: String) throws(StateDirectoryError) {
        guard isSingleComponent(name) else { throw .invalidName(name) }
    }
}
