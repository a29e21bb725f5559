import Foundation
import Testing

@testable import FunctionPackages

/// Hostile zips: every one must be refused before anything is written, with an error naming the
/// entry or the limit.
@Suite struct ZipSafetyTests {
    private func package(_ zip: RawZip, limits: PackageLimits = PackageLimits()) throws -> FunctionPackage {
        try FunctionPackage(zip: zip.bytes, limits: limits)
    }

    private func withMain(_ build: (inout RawZip) -> Void) -> RawZip {
        var zip = RawZip()
        zip.add("main.py", "def entrypoint(data):\n    return data\n")
        build(&zip)
        return zip
    }

    @Test func refusesParentTraversal() {
        for name in ["../evil", "a/../../evil", "a/b/../../../evil", "./../evil"] {
            let error = expectPackageError({ if case .unsafePath = $0 { true } else { false } }) {
                _ = try package(withMain { $0.add(name, "x") })
            }
            #expect(error?.description.contains("..") == true, "the message names the entry: \(String(describing: error))")
        }
    }

    @Test func refusesAbsolutePathsDriveLettersBackslashesAndNUL() {
        let cases: [([UInt8], String)] = [
            (Array("/etc/evil".utf8), "absolute"),
            (Array("C:/evil".utf8), "drive letter"),
            (Array("c:evil".utf8), "drive letter"),
            (Array("..\\evil".utf8), "backslash"),
            (Array("a\\b.py".utf8), "backslash"),
            (Array("evil".utf8) + [0] + Array(".py".utf8), "NUL"),
            (Array("bad\nname.py".utf8), "control character"),
            ([0xff, 0xfe, 0x2e, 0x70, 0x79], "UTF-8"),
        ]
        for (name, reason) in cases {
            let error = expectPackageError({ if case .unsafePath = $0 { true } else { false } }) {
                _ = try package(withMain { $0.add(name, Array("x".utf8)) })
            }
            #expect(error?.description.contains(reason) == true, "\(String(describing: error)) should say \(reason)")
        }
    }

    @Test func refusesSymlinkEntries() {
        let error = expectPackageError({ $0 == .symlink(path: "link.py") }) {
            _ = try package(withMain { $0.add("link.py", "/etc/passwd") { $0.unixMode = 0o120777 } })
        }
        #expect(error?.description.contains("symbolic links") == true)
    }

    @Test func refusesDevicesFIFOsEncryptionAndOtherMethods() {
        expectPackageError({ if case .unsupportedEntry("fifo", _) = $0 { true } else { false } }) {
            _ = try package(withMain { $0.add("fifo", "") { $0.unixMode = 0o010644 } })
        }
        expectPackageError({ if case .unsupportedEntry("secret.py", let reason) = $0 { reason.contains("encrypted") } else { false } }) {
            _ = try package(withMain { $0.add("secret.py", "x") { $0.flags |= 1 } })
        }
        expectPackageError({ if case .unsupportedEntry("b.py", let reason) = $0 { reason.contains("bzip2") } else { false } }) {
            _ = try package(withMain { $0.add("b.py", "x") { $0.method = 12 } })
        }
    }

    @Test func refusesNamesThatCollideOnceNormalised() {
        let pairs: [(String, String)] = [
            ("a/b.py", "a/./b.py"),
            ("a/b.py", "a//b.py"),
            ("caf\u{e9}.py", "cafe\u{301}.py"),  // NFC and NFD spellings of the same name
            ("x.py", "x.py"),
        ]
        for (first, second) in pairs {
            expectPackageError({ if case .duplicatePath = $0 { true } else { false } }) {
                _ = try package(withMain { $0.add(first, "1"); $0.add(second, "2") })
            }
        }
        // A file where another entry needs a directory.
        expectPackageError({ $0 == .duplicatePath(path: "lib") }) {
            _ = try package(withMain { $0.add("lib", "file"); $0.add("lib/mod.py", "x") })
        }
    }

    @Test func refusesLocalAndCentralHeadersThatDisagree() {
        expectPackageError({ if case .corruptZip(let reason) = $0 { reason.contains("disagree on its name") } else { false } }) {
            _ = try package(withMain { $0.add("good.py", "x") { $0.localName = Array("../ev.py".utf8) } })
        }
    }

    /// A header that declares 1 KiB but inflates to 64 MiB: stopped while inflating, just past
    /// what it declared, not after inflating it all.
    @Test func refusesZipBombThatLiesAboutItsSize() {
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let bomb = withMain { $0.add("bomb.bin", zeros) { $0.declaredSize = 1024 } }
        #expect(bomb.bytes.count < 200_000, "the bomb is small packed")
        expectPackageError({ if case .corruptZip(let reason) = $0 { reason.contains("zip bomb") } else { false } }) {
            _ = try package(bomb)
        }
    }

    /// An honest header over the limit is refused without inflating; a set of entries whose sum is
    /// over the limit likewise.
    @Test func refusesOversizedContentAgainstTheUnpackedLimit() {
        var limits = PackageLimits()
        limits.maxUnpackedBytes = 1 << 20
        let big = [UInt8](repeating: 7, count: (1 << 20) + 1)
        let error = expectPackageError({ if case .unpackedSizeExceeded(_, 1 << 20) = $0 { true } else { false } }) {
            _ = try package(withMain { $0.add("big.bin", big) }, limits: limits)
        }
        #expect(error?.description.contains("PackageLimits.maxUnpackedBytes") == true)
        let half = [UInt8](repeating: 7, count: 600_000)
        expectPackageError({ if case .unpackedSizeExceeded = $0 { true } else { false } }) {
            _ = try package(withMain { $0.add("a.bin", half); $0.add("b.bin", half) }, limits: limits)
        }
    }

    /// Zip64 sizes go up to Int64.max: two of them must not overflow the sum (which crashed serve).
    @Test func refusesDeclaredSizesWhoseSumOverflows() {
        var zip = withMain {
            $0.add("a.bin", "a") { $0.declaredSize = UInt64(Int64.max) }
            $0.add("b.bin", "b") { $0.declaredSize = UInt64(Int64.max) }
        }
        zip.zip64 = true
        expectPackageError({ if case .unpackedSizeExceeded = $0 { true } else { false } }) { _ = try package(zip) }
    }

    @Test func refusesTooManyFilesAndTooManyPackedBytes() {
        var limits = PackageLimits()
        limits.maxFileCount = 10
        let many = withMain { zip in for index in 0..<10 { zip.add("m\(index).py", "") } }
        let error = expectPackageError({ $0 == .fileCountExceeded(count: 11, limit: 10) }) { _ = try package(many, limits: limits) }
        #expect(error?.description.contains("PackageLimits.maxFileCount") == true)

        limits = PackageLimits()
        limits.maxPackedBytes = 1000
        let random = (0..<2000).map { _ in UInt8.random(in: 0...255) }
        expectPackageError({ if case .packedSizeExceeded(_, 1000) = $0 { true } else { false } }) {
            _ = try package(withMain { $0.add("r.bin", random) }, limits: limits)
        }
    }

    @Test func refusesCorruptData() throws {
        var zip = withMain { $0.add("c.py", "print('hello')\n" + String(repeating: "x = 1\n", count: 50)) }
        var bytes = zip.bytes
        // Flip a byte of c.py's compressed data (just after its local header's name): an inflate
        // or CRC error, never a crash.
        let name = Array("c.py".utf8)
        let offset = try #require((0..<bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == name }) + name.count + 3
        bytes[offset] ^= 0xff
        expectPackageError({ if case .corruptZip = $0 { true } else { false } }) { _ = try FunctionPackage(zip: bytes) }
        // Truncated.
        zip = withMain { _ in }
        expectPackageError({ if case .corruptZip = $0 { true } else { false } }) { _ = try FunctionPackage(zip: Array(zip.bytes.dropLast(5))) }
        expectPackageError({ if case .corruptZip = $0 { true } else { false } }) { _ = try FunctionPackage(zip: []) }
        expectPackageError({ if case .corruptZip = $0 { true } else { false } }) { _ = try FunctionPackage(zip: Array("PK\u{3}\u{4}not a zip".utf8)) }
    }

    /// Zip64 records (saturated sizes, offsets and counts) read the same as the classic ones.
    @Test func readsZip64Records() throws {
        var classic = withMain { $0.add("lib/util.py", "x = 1\n"); $0.add("data.bin", [UInt8](repeating: 3, count: 5000)) }
        let plain = try package(classic)
        classic.zip64 = true
        let wide = try package(classic)
        #expect(wide.digest == plain.digest)
        #expect(wide.files.map(\.path) == ["data.bin", "lib/util.py", "main.py"])
    }

    /// A hostile zip refused mid-way leaves nothing in or next to the target directory.
    @Test func refusedZipWritesNothing() throws {
        let directory = TemporaryDirectory()
        let bytes = withMain { $0.add("../evil", "x") }.bytes
        expectPackageError({ if case .unsafePath = $0 { true } else { false } }) {
            try FunctionPackage(zip: bytes).extract(to: directory.path + "/out")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/evil"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
