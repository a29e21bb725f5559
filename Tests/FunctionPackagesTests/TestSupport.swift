import CZlib
import Foundation
import Testing

@testable import FunctionPackages

/// A temporary directory removed (read-only trees included) when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "pkg") {
        var template = Array("/tmp/pylambda-\(label)-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit {
        if let parent = try? OpenDirectory(path: "/tmp") {
            try? parent.removeTree(String(path.dropFirst("/tmp/".count)))
        }
    }

    func write(_ relative: String, _ contents: String, mode: Int = 0o644) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
        chmod(url.path, mode_t(mode))
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }
}

/// Builds zips byte by byte, including every kind of lie a hostile zip can tell, which the
/// package code's own writer would never produce.
struct RawZip {
    struct Entry {
        var name: [UInt8]
        var contents: [UInt8]
        var deflate = true
        /// Overrides the declared uncompressed size (a lying header); over 32 bits only with `zip64`.
        var declaredSize: UInt64?
        /// Unix mode in the external attributes (made-by Unix); nil: MS-DOS host, no mode.
        var unixMode: UInt32? = 0o100644
        var flags: UInt16 = 0x0800
        var method: UInt16?
        /// A different name in the local header than in the central directory.
        var localName: [UInt8]?
    }

    var entries: [Entry] = []
    /// Saturated sizes and offsets with zip64 extra fields, and a zip64 end record.
    var zip64 = false

    mutating func add(_ name: String, _ contents: String, _ adjust: (inout Entry) -> Void = { _ in }) {
        add(Array(name.utf8), Array(contents.utf8), adjust)
    }

    mutating func add(_ name: String, _ contents: [UInt8], _ adjust: (inout Entry) -> Void = { _ in }) {
        add(Array(name.utf8), contents, adjust)
    }

    mutating func add(_ name: [UInt8], _ contents: [UInt8], _ adjust: (inout Entry) -> Void = { _ in }) {
        var entry = Entry(name: name, contents: contents)
        adjust(&entry)
        entries.append(entry)
    }

    var bytes: [UInt8] {
        var output: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let crc = entry.contents.withUnsafeBytes { UInt32(crc32(0, $0.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
            let data = entry.deflate ? RawZip.deflate(entry.contents) : entry.contents
            let method = entry.method ?? (entry.deflate ? 8 : 0)
            let size64 = entry.declaredSize ?? UInt64(entry.contents.count)
            let size = UInt32(truncatingIfNeeded: size64)
            let offset = UInt32(output.count)
            let localName = entry.localName ?? entry.name
            output += le32(0x0403_4b50) + le16(20) + le16(entry.flags) + le16(method) + le16(0) + le16(0x21)
            output += le32(crc) + le32(UInt32(data.count)) + le32(size) + le16(UInt16(localName.count)) + le16(0)
            output += localName + data
            let madeBy: UInt16 = entry.unixMode == nil ? 20 : (3 << 8 | 20)
            let external: UInt32 = entry.unixMode.map { $0 << 16 } ?? 0
            let extra = zip64 ? le16(1) + le16(24) + le64(size64) + le64(UInt64(data.count)) + le64(UInt64(offset)) : []
            central += le32(0x0201_4b50) + le16(madeBy) + le16(45) + le16(entry.flags) + le16(method) + le16(0) + le16(0x21)
            central += le32(crc) + le32(zip64 ? 0xFFFF_FFFF : UInt32(data.count)) + le32(zip64 ? 0xFFFF_FFFF : size)
            central += le16(UInt16(entry.name.count)) + le16(UInt16(extra.count)) + le16(0) + le16(0) + le16(0) + le32(external)
            central += le32(zip64 ? 0xFFFF_FFFF : offset) + entry.name + extra
        }
        if zip64 {
            let directoryOffset = UInt64(output.count)
            output += central
            let record = UInt64(output.count)
            output += le32(0x0606_4b50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            output += le64(UInt64(entries.count)) + le64(UInt64(entries.count)) + le64(UInt64(central.count)) + le64(directoryOffset)
            output += le32(0x0706_4b50) + le32(0) + le64(record) + le32(1)
            output += le32(0x0605_4b50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF)
            output += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
            return output
        }
        let directoryOffset = UInt32(output.count)
        output += central
        output += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        output += le32(UInt32(central.count)) + le32(directoryOffset) + le16(0)
        return output
    }

    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        input.withUnsafeBytes { inputBytes in
            output.withUnsafeMutableBytes { outputBytes in
                stream.next_in = UnsafeMutablePointer(mutating: inputBytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inputBytes.count)
                stream.next_out = outputBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outputBytes.count)
                _ = CZlib.deflate(&stream, Z_FINISH)
            }
        }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }
    private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * $0)) & 0xff) } }
}

/// Runs a command to completion and returns its standard output; a failure is a test failure.
@discardableResult
func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) failed")
    return String(decoding: data, as: UTF8.self)
}

/// Expects `body` to throw a `PackageError` matching `matches`, and returns it.
@discardableResult
func expectPackageError(
    _ matches: (PackageError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> PackageError? {
    do {
        try body()
        Issue.record("expected a PackageError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PackageError {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a PackageError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
