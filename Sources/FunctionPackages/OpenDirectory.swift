#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a path, with its errno.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32

    public init(path: String, operation: String, code: Int32 = errno) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation) \(path) failed: \(SystemError.message(code))" }
}

/// An open directory and the `*at` calls relative to it, none of which follows a symbolic link:
/// package extraction and the dependency store work only through these, so a link planted in a
/// tree (by a hostile package, tool or container) is refused or removed, never followed.
final class OpenDirectory {
    let fd: Int32
    /// For messages only; never used to reach the directory again.
    let path: String

    struct Entry {
        /// The name exactly as the file system has it (NUL-terminated), for the `*at` calls.
        let rawName: [CChar]
        var name: String { displayName(rawName) }
        let info: stat
        var type: mode_t { info.st_mode & S_IFMT }
    }

    /// Opens `path`. With `followLast` false a symlink as the last component is refused (ELOOP).
    init(path: String, followLast: Bool = false) throws(FileSystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followLast ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw FileSystemError(path: path, operation: "open directory") }
        self.fd = fd
        self.path = path
    }

    /// Opens the subdirectory `name`, refusing a symlink.
    init(in parent: OpenDirectory, _ name: [CChar]) throws(FileSystemError) {
        let path = parent.path + "/" + displayName(name)
        let fd = openat(parent.fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw FileSystemError(path: path, operation: "open directory") }
        self.fd = fd
        self.path = path
    }

    convenience init(in parent: OpenDirectory, name: String) throws(FileSystemError) {
        try self.init(in: parent, Array(name.utf8CString))
    }

    deinit { close(fd) }

    /// The entries (without `.` and `..`), each `lstat`ed.
    func entries() throws(FileSystemError) -> [Entry] {
        let copy = dup(fd)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw FileSystemError(path: path, operation: "read directory")
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var result: [Entry] = []
        while let entry = readdir(stream) {
            let raw = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                Array(bytes.bindMemory(to: CChar.self).prefix { $0 != 0 }) + [0]
            }
            if raw == [46, 0] || raw == [46, 46, 0] { continue }
            var info = stat()
            guard fstatat(fd, raw, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw FileSystemError(path: path + "/" + displayName(raw), operation: "stat")
            }
            result.append(Entry(rawName: raw, info: info))
        }
        return result
    }

    func status(_ name: String) -> stat? {
        var info = stat()
        return fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    func makeDirectory(_ name: String, mode: mode_t = 0o700) throws(FileSystemError) {
        guard mkdirat(fd, name, mode) == 0 else { throw FileSystemError(path: path + "/" + name, operation: "create directory") }
    }

    /// Opens (or creates, with `O_CREAT` in `flags`) a file, never through a symlink.
    func openFile(_ name: [CChar], flags: Int32, mode: mode_t = 0o600) throws(FileSystemError) -> Int32 {
        let file = openat(fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        guard file >= 0 else { throw FileSystemError(path: path + "/" + displayName(name), operation: "open") }
        return file
    }

    func openFile(_ name: String, flags: Int32, mode: mode_t = 0o600) throws(FileSystemError) -> Int32 {
        try openFile(Array(name.utf8CString), flags: flags, mode: mode)
    }

    func setMode(_ mode: mode_t) throws(FileSystemError) {
        guard fchmod(fd, mode) == 0 else { throw FileSystemError(path: path, operation: "chmod") }
    }

    /// Renames `name` into `target` as `newName`. A directory is made writable (0700) first: moving
    /// a directory to another parent rewrites its `..`, which a read-only one refuses to anyone but
    /// root.
    func move(_ name: [CChar], to target: OpenDirectory, as newName: String) throws(FileSystemError) {
        var info = stat()
        if fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFDIR {
            try OpenDirectory(in: self, name).setMode(0o700)
        }
        guard renameat(fd, name, target.fd, newName) == 0 else {
            throw FileSystemError(path: path + "/" + displayName(name), operation: "move to \(target.path)/\(newName)")
        }
    }

    func move(_ name: String, to target: OpenDirectory, as newName: String) throws(FileSystemError) {
        try move(Array(name.utf8CString), to: target, as: newName)
    }

    /// Removes `name` and everything under it without following a link: a symlink is unlinked
    /// itself. Directories are made writable first so that read-only trees can go.
    func removeTree(_ name: [CChar]) throws(FileSystemError) {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw FileSystemError(path: path + "/" + displayName(name), operation: "stat")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            let child = try OpenDirectory(in: self, name)
            _ = fchmod(child.fd, 0o700)
            for entry in try child.entries() { try child.removeTree(entry.rawName) }
            guard unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
                throw FileSystemError(path: child.path, operation: "remove directory")
            }
        } else {
            guard unlinkat(fd, name, 0) == 0 || errno == ENOENT else {
                throw FileSystemError(path: path + "/" + displayName(name), operation: "remove")
            }
        }
    }

    func removeTree(_ name: String) throws(FileSystemError) {
        try removeTree(Array(name.utf8CString))
    }

    /// Visits every entry below this directory, depth first, parents before children, with its
    /// path relative to this directory. Symlinks are reported, never followed.
    func walk(_ prefix: String = "", _ visit: (String, Entry, OpenDirectory) throws(FileSystemError) -> Void) throws(FileSystemError) {
        for entry in try entries() {
            let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
            try visit(relative, entry, self)
            if entry.type == S_IFDIR {
                try OpenDirectory(in: self, entry.rawName).walk(relative, visit)
            }
        }
    }
}

/// A NUL-terminated name as text for messages (invalid UTF-8 shown as U+FFFD).
func displayName(_ raw: [CChar]) -> String {
    String(decoding: raw.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Reads a whole file from a descriptor, refusing more than `limit` bytes (nil). With
/// `waitingWhenEmpty` (stdin, which may have been inherited non-blocking), a descriptor with nothing
/// yet is waited on; otherwise that is an error, so that a FIFO met where a file was expected fails
/// at once rather than waiting for a writer.
func readAll(_ fd: Int32, limit: Int, path: String, waitingWhenEmpty: Bool = false) throws(FileSystemError) -> [UInt8]? {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            if errno == EAGAIN && waitingWhenEmpty {
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, -1) < 0 && errno != EINTR { throw FileSystemError(path: path, operation: "poll") }
                continue
            }
            throw FileSystemError(path: path, operation: "read")
        }
        if count == 0 { return result }
        if result.count + count > limit { return nil }
        result += buffer[0..<count]
    }
}

/// Writes all of `bytes` to `fd`.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(FileSystemError) {
    var offset = 0
    while offset < bytes.count {
        let count = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if count < 0 {
            if errno == EINTR { continue }
            throw FileSystemError(path: path, operation: "write")
        }
        offset += count
    }
}

func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
    let result = bytes.withUnsafeBytes { buffer -> Result<Void, FileSystemError> in
        do throws(FileSystemError) {
            try writeAll(fd, buffer, path: path)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
    try result.get()
}
