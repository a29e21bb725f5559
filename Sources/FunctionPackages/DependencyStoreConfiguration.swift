#if canImport(Glibc)
import Glibc
#endif

/// Where dependency sets live, what they are installed for, and with what.
public struct DependencyStoreConfiguration: Sendable {
    public enum Installer: Sendable, Equatable {
        /// uv from PATH, else pip of the host's Python 3.
        case automatic
        /// This uv executable.
        case uv(executable: String)
        /// `python -m pip` of this interpreter.
        case pip(python: String)
    }

    /// The store (e.g. `STATE/deps`), created if missing.
    public var directory: String
    /// The store root's mode: 0700 keeps it host-only. 0711 lets a container that has it mounted
    /// read-only reach a set by its key (sets are 0555, world-readable public packages) without
    /// listing the store; the staging area, locks and download cache inside stay 0700.
    public var rootMode: mode_t = 0o700
    public var target = PythonTarget.runner
    /// Installed size of one set (files, bytecode included). The runner's code-plus-dependencies
    /// limit is checked against the same figure by `FunctionPackage.checkTotalSize`.
    public var maxSetBytes: Int64 = 250 << 20
    public var maxSetFiles = 100_000
    public var installer = Installer.automatic
    /// A CPython 3.`target.pythonMinor` on the host, for uv's environment queries and for
    /// compiling bytecode; nil: `python3.11` (for the default target), then `python3` on PATH.
    public var python: String?
    /// Compile `.pyc` files (unchecked-hash, so a copied tree stays valid) when the set is made: the
    /// set is read-only in the container, where Python could not cache them itself. numpy imports
    /// about twice as fast with them. Compiling reads the sources; it runs none of them.
    public var compileBytecode = true
    /// The download cache, shared by every install of this store; nil: `directory/.cache`. A cache of
    /// its own, rather than the user's, holds only wheels this store downloaded, never wheels the
    /// user built from source.
    public var cacheDirectory: String?
    /// The environment the tool sees: index settings (`PIP_INDEX_URL`, `UV_INDEX_URL`, `..._EXTRA_...`,
    /// `..._FIND_LINKS`, `..._NO_INDEX`), proxies and certificates. nil: this process's environment.
    public var environment: [String: String]?
    public var installTimeout: Duration = .seconds(900)
    /// Whether index options in requirements (`--index-url`, `--extra-index-url`, `--find-links`,
    /// `--no-index`) and direct references (`name @ https://...`) are followed. They have the host fetch URLs chosen by whoever wrote the
    /// requirements; a server that takes packages from less trusted callers can turn them off and
    /// leave index settings to its own environment.
    public var allowIndexOptionsInRequirements = true

    public init(directory: String) {
        self.directory = directory
    }
}
