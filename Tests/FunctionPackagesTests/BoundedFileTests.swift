import Foundation
import Testing

@testable import FunctionPackages

/// What the user names on the host is read whole, only if it is a regular file, and never past
/// its limit; stdin is read to its end whatever it is.
@Suite struct BoundedFileTests {
    @Test func aRegularFileIsReadWithinItsLimit() throws {
        let directory = TemporaryDirectory("bounded")
        try directory.write("f.py", "print(1)\n")
        #expect(try BoundedFile.read(path: directory.path + "/f.py", limit: 9) == Array("print(1)\n".utf8))
        #expect(throws: BoundedFile.Failure.tooLarge(size: 9)) { try BoundedFile.read(path: directory.path + "/f.py", limit: 8) }
    }

    /// A device would never end and a FIFO would block the open: both are refused at once.
    @Test func whatIsNotARegularFileIsRefused() throws {
        let directory = TemporaryDirectory("bounded")
        let fifo = directory.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: BoundedFile.Failure.notRegular) { try BoundedFile.read(path: "/dev/zero", limit: 1 << 20) }
        #expect(throws: BoundedFile.Failure.notRegular) { try BoundedFile.read(path: fifo, limit: 1 << 20) }
        #expect(throws: BoundedFile.Failure.isDirectory) { try BoundedFile.read(path: directory.path, limit: 1 << 20) }
        #expect(throws: BoundedFile.Failure.notFound) { try BoundedFile.read(path: directory.path + "/absent", limit: 1 << 20) }
    }

    /// A pipe has no size to check first: it is cut off once past the limit.
    @Test func aDescriptorIsReadToItsEndWithinItsLimit() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let written = Array(repeating: UInt8(ascii: "x"), count: 1000)
        #expect(write(ends[1], written, written.count) == written.count)
        close(ends[1])
        #expect(throws: BoundedFile.Failure.tooLarge(size: 101)) { try BoundedFile.read(descriptor: ends[0], path: "stdin", limit: 100) }
    }

    /// A stdin inherited non-blocking gives EAGAIN until its writer writes: it is waited for, not an
    /// error.
    @Test func aNonBlockingDescriptorIsWaitedFor() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        #expect(fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK) == 0)
        let writer = ends[1]
        let thread = Thread {
            usleep(100_000)
            _ = write(writer, "late", 4)
            close(writer)
        }
        thread.start()
        #expect(try BoundedFile.read(descriptor: ends[0], path: "stdin", limit: 100) == Array("late".utf8))
    }
}
