import Foundation
import Testing

@testable import FunctionPackages

/// Packages from directories, zips made by other tools, and single files: the same files give the
/// same digest, extraction gives a faithful read-only tree and nothing else.
@Suite struct FunctionPackageTests {
    /// A small package with a helper module, data, requirements and a bytecode cache to be left out.
    private func makeSource() throws -> TemporaryDirectory {
        let source = TemporaryDirectory("src")
        try source.write("main.py", "from helper.util import double\ndef entrypoint(data):\n    return double(data)\n")
        try source.write("helper/__init__.py", "")
        try source.write("helper/util.py", "def double(x):\n    return x * 2\n")
        try source.write("data/config.json", "{\"caf\u{e9}\": 1}\n")
        try source.write("requirements.txt", "# numeric\nNumPy >= 1.26\n")
        try source.write("__pycache__/main.cpython-311.pyc", "stale bytecode")
        try source.write("helper/__pycache__/util.cpython-311.pyc", "stale bytecode")
        return source
    }

    private let expectedPaths = ["data/config.json", "helper/__init__.py", "helper/util.py", "main.py", "requirements.txt"]

    @Test func directoryPackageIsListedHashedAndResolved() throws {
        let source = try makeSource()
        let package = try FunctionPackage.load(path: source.path)
        #expect(package.kind == .directory)
        #expect(package.files.map(\.path) == expectedPaths, "sorted, bytecode caches left out")
        #expect(package.handler == .packageDefault)
        #expect(package.requirements?.requirements == ["numpy>=1.26"])
        #expect(package.unpackedBytes == package.files.reduce(0) { $0 + $1.size })
        #expect(package.digest.count == 64)
        let again = try FunctionPackage.load(path: source.path)
        #expect(again.zip == package.zip, "a directory zips deterministically")
        let fromItsZip = try FunctionPackage(zip: package.zip)
        #expect(fromItsZip.digest == package.digest)
        #expect(fromItsZip.kind == .zip)
    }

    /// Zips made by Python's zipfile, in two different ways (directory entries, reverse order,
    /// stored, other timestamps and modes), give the directory's digest.
    @Test func zipsOfTheSameFilesHaveTheDirectorysDigest() throws {
        let source = try makeSource()
        let work = TemporaryDirectory("zips")
        let script = """
            import os, sys, zipfile
            src, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
            paths = []
            for root, dirs, files in os.walk(src):
                for d in dirs: paths.append(os.path.join(root, d))
                for f in files: paths.append(os.path.join(root, f))
            if mode == "reverse": paths.reverse()
            comp = zipfile.ZIP_STORED if mode == "reverse" else zipfile.ZIP_DEFLATED
            with zipfile.ZipFile(out, "w", comp) as z:
                for p in paths:
                    rel = os.path.relpath(p, src)
                    if mode == "reverse" and os.path.isfile(p):
                        info = zipfile.ZipInfo(rel, date_time=(2020, 5, 17, 12, 0, 0))
                        info.external_attr = 0o100755 << 16
                        z.writestr(info, open(p, "rb").read())
                    else:
                        z.write(p, rel)
            """
        try work.write("pack.py", script)
        try run(["python3", work.path + "/pack.py", source.path, work.path + "/walk.zip", "walk"])
        try run(["python3", work.path + "/pack.py", source.path, work.path + "/reverse.zip", "reverse"])
        let fromDirectory = try FunctionPackage.load(path: source.path)
        let walk = try FunctionPackage.load(path: work.path + "/walk.zip")
        let reverse = try FunctionPackage.load(path: work.path + "/reverse.zip")
        #expect(walk.kind == .zip)
        #expect(walk.zip != reverse.zip, "the two zips really differ")
        #expect(walk.digest == fromDirectory.digest)
        #expect(reverse.digest == fromDirectory.digest)
        #expect(reverse.files == fromDirectory.files)

        // One changed byte changes the digest.
        try source.write("helper/util.py", "def double(x):\n    return x * 3\n")
        #expect(try FunctionPackage.load(path: source.path).digest != fromDirectory.digest)

        // A file named .zip is read as a zip: a broken one is refused as such, not run as Python.
        try work.write("broken.zip", "garbage\n")
        #expect { try FunctionPackage.load(path: work.path + "/broken.zip") } throws: { error in
            guard case .corruptZip = error as? PackageError else { return false }
            return true
        }
    }

    @Test func extractionWritesAReadOnlyCopyAndNothingElse() throws {
        let source = try makeSource()
        let package = try FunctionPackage.load(path: source.path)
        let work = TemporaryDirectory("extract")
        try work.write("sibling/keep.txt", "untouched")
        let target = work.path + "/code"
        try package.extract(to: target)

        var found: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: target)!
        while let relative = enumerator.nextObject() as? String {
            var info = stat()
            #expect(lstat(target + "/" + relative, &info) == 0)
            if info.st_mode & S_IFMT == S_IFDIR {
                #expect(info.st_mode & 0o7777 == 0o555, "\(relative) is a read-only directory")
            } else {
                #expect(info.st_mode & S_IFMT == S_IFREG)
                #expect(info.st_mode & 0o7777 == 0o444, "\(relative) is a read-only file")
                found.append(relative)
                #expect(try work.read("code/" + relative) == source.read(relative))
            }
        }
        #expect(found.sorted() == expectedPaths)
        var info = stat()
        #expect(stat(target, &info) == 0 && info.st_mode & 0o7777 == 0o555)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["code", "sibling"])
        #expect(try work.read("sibling/keep.txt") == "untouched")
    }

    @Test func extractionRefusesSymlinkedOrNonEmptyTargets() throws {
        let package = try FunctionPackage(source: Array("def entrypoint(d):\n    return d\n".utf8), fileName: "f.py")
        let work = TemporaryDirectory("target")
        try work.write("elsewhere/.keep", "")
        symlink(work.path + "/elsewhere", work.path + "/link")
        expectPackageError({ if case .extractionTargetUnusable(_, let reason) = $0 { reason.contains("symbolic link") } else { false } }) {
            try package.extract(to: work.path + "/link")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path + "/elsewhere") == [".keep"], "nothing written through the link")
        expectPackageError({ if case .extractionTargetUnusable(_, let reason) = $0 { reason.contains("not empty") } else { false } }) {
            try package.extract(to: work.path + "/elsewhere")
        }
        expectPackageError({ if case .extractionTargetUnusable = $0 { true } else { false } }) {
            try package.extract(to: work.path + "/missing/parent")
        }
    }

    @Test func directoriesWithSymlinksOrSpecialFilesAreRefused() throws {
        let source = try makeSource()
        symlink("/etc/passwd", source.path + "/helper/passwd")
        expectPackageError({ $0 == .symlink(path: "helper/passwd") }) { _ = try FunctionPackage.load(path: source.path) }
        unlink(source.path + "/helper/passwd")
        mkfifo(source.path + "/pipe", 0o644)
        expectPackageError({ if case .unsupportedEntry("pipe", _) = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path)
        }
    }

    /// A project's version control and virtual environments stay behind when its directory is
    /// packed (a virtual environment is recognised by its `pyvenv.cfg`, whatever its name); a zip is
    /// taken as it was built.
    @Test func projectToolingIsLeftOutOfADirectory() throws {
        let source = try makeSource()
        try source.write(".git/HEAD", "ref: refs/heads/main\n")
        try source.write(".hg/store", "x")
        try source.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
        try source.write("env-3.11/pyvenv.cfg", "home = /usr/bin\n")
        symlink("/usr/bin/python3", source.path + "/.venv/python")
        symlink("/usr/bin/python3", source.path + "/env-3.11/python")
        try source.write("venv/notes.txt", "not a virtual environment: no pyvenv.cfg\n")
        try source.write(".env", "TOKEN=kept: the function may read it\n")
        let package = try FunctionPackage.load(path: source.path)
        #expect(package.files.map(\.path) == [".env"] + expectedPaths.prefix(4) + ["requirements.txt", "venv/notes.txt"])
        // A symlinked pyvenv.cfg does not make its directory a virtual environment.
        try source.write("other/real.py", "")
        symlink("/etc/hostname", source.path + "/other/pyvenv.cfg")
        expectPackageError({ $0 == .symlink(path: "other/pyvenv.cfg") }) { _ = try FunctionPackage.load(path: source.path) }
    }

    /// A zip of the project's folder, rather than of its contents, is named for what it is.
    @Test func aZipOfTheFolderSaysSo() throws {
        let work = TemporaryDirectory("folder-zip")
        try work.write("myfn/main.py", "def entrypoint(data):\n    return data\n")
        try work.write("myfn/requirements.txt", "six==1.16.0\n")
        let zipped = try FunctionPackage.load(path: work.path, handler: "myfn.main.entrypoint").zip
        let error = expectPackageError({ if case .handlerModuleMissing(_, _, "myfn") = $0 { true } else { false } }) {
            _ = try FunctionPackage(zip: zipped)
        }
        #expect(error?.description.contains("zip the folder's contents, not the folder") == true, "\(String(describing: error))")
    }

    @Test func directoryLimitsAreChecked() throws {
        let source = try makeSource()
        var limits = PackageLimits()
        limits.maxFileCount = 4
        expectPackageError({ if case .fileCountExceeded(_, 4) = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path, limits: limits)
        }
        limits = PackageLimits()
        limits.maxUnpackedBytes = 100
        expectPackageError({ if case .unpackedSizeExceeded(_, 100) = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path, limits: limits)
        }
    }

    @Test func handlersAreCheckedAgainstThePackage() throws {
        let source = try makeSource()
        #expect(try FunctionPackage.load(path: source.path, handler: "helper.util.double").handler == FunctionHandler(module: "helper.util", function: "double"))
        #expect(try FunctionPackage.load(path: source.path, handler: "helper.anything").handler.module == "helper", "a package's __init__.py")
        // Lambda's folder/module.function form.
        #expect(try FunctionPackage.load(path: source.path, handler: "helper/util.double").handler == FunctionHandler(module: "helper.util", function: "double"))
        let missing = expectPackageError({ $0 == .handlerModuleMissing(handler: "app.run", expected: ["app.py", "app/__init__.py"]) }) {
            _ = try FunctionPackage.load(path: source.path, handler: "app.run")
        }
        #expect(missing?.description.contains("app.py or app/__init__.py") == true)
        expectPackageError({ if case .invalidHandler("entrypoint", _) = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path, handler: "entrypoint")
        }
        for bad in ["", "main.", ".main", "main..f", "1main.f", "main.f-g", "../x.f", "ma in.f", "/helper.f", "helper//util.f", "helper/util", "helper.util/f"] {
            expectPackageError({ if case .invalidHandler = $0 { true } else { false } }) {
                _ = try FunctionPackage.load(path: source.path, handler: bad)
            }
        }
    }

    @Test func singleFilesKeepTheirSource() throws {
        let work = TemporaryDirectory("single")
        let code = "def handler(event, context):\n    return event\n"
        try work.write("lambda_handler.py", code)
        let plain = try FunctionPackage.load(path: work.path + "/lambda_handler.py")
        #expect(plain.kind == .singleFile)
        #expect(plain.handler == .singleFileDefault)
        #expect(plain.source == code)
        #expect(plain.requirements == nil)
        let named = try FunctionPackage.load(path: work.path + "/lambda_handler.py", handler: "lambda_handler.handler")
        #expect(named.handler == FunctionHandler(module: nil, function: "handler"))
        #expect(try FunctionPackage.load(path: work.path + "/lambda_handler.py", handler: "handler").handler.function == "handler")
        expectPackageError({ if case .invalidHandler = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: work.path + "/lambda_handler.py", handler: "other.handler")
        }
        _ = FileManager.default.createFile(atPath: work.path + "/latin1.py", contents: Data([0x23, 0xe9, 0x0a]))
        expectPackageError({ if case .invalidSource = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: work.path + "/latin1.py")
        }
        expectPackageError({ $0 == .notFound(path: work.path + "/nope.py") }) { _ = try FunctionPackage.load(path: work.path + "/nope.py") }
    }

    @Test func aRequirementsFileReplacesThePackagesOwn() throws {
        let source = try makeSource()
        let work = TemporaryDirectory("req")
        try work.write("other.txt", "requests==2.32.3\n")
        let package = try FunctionPackage.load(path: source.path, requirementsFile: work.path + "/other.txt")
        #expect(package.requirements?.names == ["requests"])
        try work.write("bad.txt", "-e .\n")
        expectPackageError({ if case .invalidRequirements(.unsupportedOption(1, "-e", _)) = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path, requirementsFile: work.path + "/bad.txt")
        }
        let directory = expectPackageError({ if case .unsupportedEntry = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path, requirementsFile: work.path)
        }
        #expect(directory?.description.contains("it is a directory") == true, "\(String(describing: directory))")
        try source.write("requirements.txt", "-r /etc/other.txt\n")
        expectPackageError({ if case .invalidRequirements(.unsupportedOption(1, "-r", _)) = $0 { true } else { false } }) {
            _ = try FunctionPackage.load(path: source.path)
        }
    }

    @Test func codeAndDependenciesTogetherAreHeldToTheUnpackedLimit() throws {
        let package = try FunctionPackage(source: Array("x = 1\n".utf8), fileName: "f.py")
        var limits = PackageLimits()
        limits.maxUnpackedBytes = 1000
        try package.checkTotalSize(dependencyBytes: 994, limits: limits)
        expectPackageError({ $0 == .unpackedSizeExceeded(bytes: 1001, limit: 1000) }) {
            try package.checkTotalSize(dependencyBytes: 995, limits: limits)
        }
    }
}
