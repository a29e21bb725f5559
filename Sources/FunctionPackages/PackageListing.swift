import Crypto

/// The files of a checked zip: bytecode caches left out, duplicates and file/directory clashes
/// refused, counts and sizes held to the limits, every file inflated once (against the unpacked
/// budget) to hash it.
struct PackageListing {
    let files: [PackageFile]
    let entryIndices: [Int]
    let unpackedBytes: Int64
    /// The bytes of `requirements.txt` at the root, if there is one.
    let rootRequirements: [UInt8]?

    static let requirementsFileName = "requirements.txt"

    init(archive: ZipArchive, limits: PackageLimits) throws(PackageError) {
        var fileIndex: [PackagePath: Int] = [:]
        var directories = Set<PackagePath>()
        var declared: Int64 = 0
        for (index, entry) in archive.entries.enumerated() where !entry.path.isExcluded {
            if entry.isDirectory {
                if !entry.path.components.isEmpty { directories.insert(entry.path) }
                directories.formUnion(entry.path.ancestors)
                continue
            }
            guard fileIndex.updateValue(index, forKey: entry.path) == nil else {
                throw .duplicatePath(path: entry.name)
            }
            directories.formUnion(entry.path.ancestors)
            // Checked as it grows: zip64 sizes go up to Int64.max, and a sum of two would overflow.
            let (sum, overflow) = declared.addingReportingOverflow(entry.uncompressedSize)
            guard !overflow, sum <= limits.maxUnpackedBytes else {
                throw .unpackedSizeExceeded(bytes: overflow ? .max : sum, limit: limits.maxUnpackedBytes)
            }
            declared = sum
        }
        if let clash = directories.first(where: { fileIndex[$0] != nil }) {
            throw .duplicatePath(path: clash.string)
        }
        let count = fileIndex.count + directories.count
        guard count <= limits.maxFileCount else { throw .fileCountExceeded(count: count, limit: limits.maxFileCount) }
        // Declared sizes (summed above) refuse an honest oversized package at once; reading below
        // refuses a dishonest one as soon as it passes its declaration.

        var budget = limits.maxUnpackedBytes
        var files: [PackageFile] = []
        var indices: [Int] = []
        var requirements: [UInt8]?
        for (path, index) in fileIndex.sorted(by: { $0.key < $1.key }) {
            let entry = archive.entries[index]
            let isRequirements = path.components == [Self.requirementsFileName]
            if isRequirements && entry.uncompressedSize > Int64(limits.maxRequirementsBytes) {
                throw .invalidRequirements(.tooLarge(bytes: Int(entry.uncompressedSize), limit: limits.maxRequirementsBytes))
            }
            var hasher = SHA256()
            var kept: [UInt8] = []
            try archive.read(entry, budget: &budget, limit: limits.maxUnpackedBytes) { (chunk) throws(PackageError) in
                hasher.update(bufferPointer: chunk)
                if isRequirements { kept += chunk }
            }
            if isRequirements { requirements = kept }
            files.append(PackageFile(path: path.string, size: entry.uncompressedSize, sha256: PackageDigest.hex(hasher.finalize())))
            indices.append(index)
        }
        self.files = files
        self.entryIndices = indices
        self.unpackedBytes = limits.maxUnpackedBytes - budget
        self.rootRequirements = requirements
    }
}
