import CLinux
import Glibc
import Synchronization

/// Random words from the kernel's generator (`getrandom`), fetched 512 bytes at a time.
///
/// Why: every call's record id takes two random words, and `SystemRandomNumberGenerator` makes one
/// system call per word: two of the ten or so system calls serve makes per call. From a shared pool
/// it is one per 32 ids. The bytes are the kernel's, so the ids are as unguessable as before; they
/// only wait in this process's memory for their turn.
public struct PooledRandom: RandomNumberGenerator, Sendable {
    private static let pool = Mutex(Pool())

    public init() {}

    public mutating func next() -> UInt64 {
        Self.pool.withLock { $0.next() }
    }

    private struct Pool: ~Copyable {
        private static let capacity = 64
        private var words = [UInt64](repeating: 0, count: Pool.capacity)
        private var taken = Pool.capacity

        mutating func next() -> UInt64 {
            if taken == words.count {
                refill()
                taken = 0
            }
            defer { taken += 1 }
            return words[taken]
        }

        /// `getrandom` blocks only before the kernel's generator is first seeded; a read of more than
        /// 256 bytes may be cut short by a signal, so it reads in a loop. Where it fails (a kernel
        /// without it), the standard library's generator, which traps if it has no source at all.
        private mutating func refill() {
            let filled = words.withUnsafeMutableBytes { bytes -> Bool in
                var offset = 0
                while offset < bytes.count {
                    let count = clinux_getrandom(bytes.baseAddress! + offset, bytes.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += count
                }
                return true
            }
            if filled { return }
            var system = SystemRandomNumberGenerator()
            for index in words.indices { words[index] = system.next() }
        }
    }
}
