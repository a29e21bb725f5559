/// A function's code, checked: one source file, or a package (a directory or a zip of modules,
/// optionally with a `requirements.txt`). Every form ends up as a zip in memory, validated entry by
/// entry against `PackageLimits`, so what is stored, digested and extracted is the same thing.
/// Nothing here runs any of the package's code.
public struct FunctionPackage: Sendable {
    public enum Kind: Sendable, Equatable {
        case singleFile
        case directory
        case zip
    }

    public let kind: Kind
    /// Resolved and checked: its module is a file of the package. For a single file the module is
    /// nil (the source is the module).
    public let handler: FunctionHandler
    /// Hex SHA-256 over the canonical listing (`PackageDigest`): the same files give the same
    /// digest from a directory, any zip of it, or a re-packed zip.
    public let digest: String
    /// Sorted by path bytes.
    public let files: [PackageFile]
    public let unpackedBytes: Int64
    /// What the registry keeps: the zip as given, or the deterministic zip of a directory or file.
    public let zip: [UInt8]
    /// From `requirements.txt` at the package's root, unless the caller gave others; nil when
    /// there are none.
    public let requirements: Requirements?
    /// The source of a single-file function, which `/load` takes as it always has.
    public let source: String?

    let archive: ZipArchive
    /// Index into `archive.entries` of each of `files`.
    let entryIndices: [Int]

    /// Reads `path`: a directory, a zip (recognised by its first bytes, not its name) or a single
    /// source file. `handler` defaults to `entrypoint` for a file and `main.entrypoint` for a
    /// package; `requirementsFile` replaces the package's own `requirements.txt`.
    public static func load(
        path: String, handler: String? = nil, requirementsFile: String? = nil, limits: PackageLimits = PackageLimits()
    ) throws(PackageError) -> FunctionPackage {
        var requirements: Requirements?
        if let requirementsFile {
            let bytes = try PackageSource.readFile(requirementsFile, limit: limits.maxRequirementsBytes) { size throws(PackageError) in
                throw .invalidRequirements(.tooLarge(bytes: size, limit: limits.maxRequirementsBytes))
            }
            do { requirements = try Requirements(bytes: bytes, limit: limits.maxRequirementsBytes) } catch {
                throw .invalidRequirements(error)
            }
        }
        return try load(path: path, handler: handler, requirements: requirements, limits: limits)
    }

    /// Which form `path` is, as `load` reads it: a directory, a zip (by its name or its first
    /// bytes), or else a single source file.
    public static func kind(of path: String) throws(PackageError) -> Kind {
        try PackageSource.kind(of: path)
    }

    /// `load(path:handler:requirementsFile:limits:)` with requirements already read (from stdin, say).
    public static func load(
        path: String, handler: String?, requirements: Requirements?, limits: PackageLimits = PackageLimits()
    ) throws(PackageError) -> FunctionPackage {
        let parsedHandler = try handler.map { (text) throws(PackageError) in try FunctionHandler(parsing: text) }
        switch try PackageSource.kind(of: path) {
        case .directory:
            let zip = try PackageSource.zipDirectory(path, limits: limits)
            return try FunctionPackage(kind: .directory, zip: zip, handler: parsedHandler, requirements: requirements, limits: limits)
        case .zip:
            let bytes = try PackageSource.readFile(path, limit: limits.maxPackedBytes) { size throws(PackageError) in
                throw .packedSizeExceeded(bytes: size, limit: limits.maxPackedBytes)
            }
            return try FunctionPackage(kind: .zip, zip: bytes, handler: parsedHandler, requirements: requirements, limits: limits)
        case .singleFile:
            let bytes = try PackageSource.readFile(path, limit: limits.maxPackedBytes) { size throws(PackageError) in
                throw .packedSizeExceeded(bytes: size, limit: limits.maxPackedBytes)
            }
            let name = String(path.split(separator: "/").last ?? Substring(path))
            return try FunctionPackage(source: bytes, fileName: name, handler: parsedHandler, requirements: requirements, limits: limits)
        }
    }

    /// A package from zip bytes (what `PUT /v1/functions/{name}` receives).
    public init(
        zip bytes: [UInt8], handler: FunctionHandler? = nil, requirements: Requirements? = nil, limits: PackageLimits = PackageLimits()
    ) throws(PackageError) {
        try self.init(kind: .zip, zip: bytes, handler: handler, requirements: requirements, limits: limits)
    }

    /// A single source file. `fileName` (`handler.py`) names its module for handlers written
    /// `module.function`.
    public init(
        source: [UInt8], fileName: String, handler: FunctionHandler? = nil, requirements: Requirements? = nil,
        limits: PackageLimits = PackageLimits()
    ) throws(PackageError) {
        let path = try PackagePath(fileName)
        guard path.components.count == 1 else {
            throw .unsafePath(path: fileName, reason: "a single file is named without directories")
        }
        guard let text = String(validating: source, as: UTF8.self) else {
            throw .invalidSource(path: fileName, reason: "the source is not UTF-8 text")
        }
        var handler = handler ?? .singleFileDefault
        if let module = handler.module {
            let stem = fileName.hasSuffix(".py") ? String(fileName.dropLast(3)) : fileName
            guard module == stem else {
                throw .invalidHandler(
                    handler: handler.description,
                    reason: "this function is the single file \(fileName): name the function alone (\(handler.function)) or as \(stem).\(handler.function)")
            }
            handler = FunctionHandler(module: nil, function: handler.function)
        }
        var writer = ZipWriter()
        writer.add(path, contents: source)
        try self.init(kind: .singleFile, zip: try writer.finish(), handler: handler, requirements: requirements, limits: limits, source: text)
    }

    init(
        kind: Kind, zip bytes: [UInt8], handler: FunctionHandler?, requirements: Requirements?, limits: PackageLimits,
        source: String? = nil
    ) throws(PackageError) {
        let archive = try ZipArchive(bytes: bytes, limits: limits)
        let listing = try PackageListing(archive: archive, limits: limits)
        self.kind = kind
        self.archive = archive
        self.zip = bytes
        self.source = source
        self.files = listing.files
        self.entryIndices = listing.entryIndices
        self.unpackedBytes = listing.unpackedBytes
        self.digest = PackageDigest.digest(of: listing.files)
        if let requirements {
            self.requirements = requirements.isEmpty ? nil : requirements
        } else if let text = listing.rootRequirements {
            do {
                let parsed = try Requirements(bytes: text, limit: limits.maxRequirementsBytes)
                self.requirements = parsed.isEmpty ? nil : parsed
            } catch {
                throw .invalidRequirements(error)
            }
        } else {
            self.requirements = nil
        }
        if kind == .singleFile {
            self.handler = handler ?? .singleFileDefault
        } else {
            let resolved = handler ?? .packageDefault
            guard resolved.module != nil else {
                throw .invalidHandler(
                    handler: resolved.description,
                    reason: "a package's handler names its module too: module.function (the default is main.entrypoint)")
            }
            let paths = Set(listing.files.map(\.path))
            guard resolved.moduleFileCandidates.contains(where: paths.contains) else {
                // Each file's top folder ("" for a file at the top).
                let tops = Set(paths.map { path in path.contains("/") ? String(path.prefix { $0 != "/" }) : "" })
                let folder = tops.count == 1 && tops.first != "" ? tops.first : nil
                throw .handlerModuleMissing(handler: resolved.description, expected: resolved.moduleFileCandidates, folder: folder)
            }
            self.handler = resolved
        }
    }

    /// Checks code plus its dependency set against `limits.maxUnpackedBytes` (AWS Lambda's 250 MB
    /// counts both), before anything is started.
    public func checkTotalSize(dependencyBytes: Int64, limits: PackageLimits = PackageLimits()) throws(PackageError) {
        let total = unpackedBytes + dependencyBytes
        guard total <= limits.maxUnpackedBytes else {
            throw .unpackedSizeExceeded(bytes: total, limit: limits.maxUnpackedBytes)
        }
    }
}
