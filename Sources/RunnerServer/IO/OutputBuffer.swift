/// Response bytes the socket would not take yet. Empty almost always: a response is written straight
/// from the head buffer and the result's own memory, and copied here only when a write comes up short.
struct OutputBuffer {
    private var bytes: [UInt8] = []
    private var sent = 0

    var isEmpty: Bool { sent == bytes.count }

    mutating func append(_ buffer: UnsafeRawBufferPointer) {
        if isEmpty {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 64 * 1024)
            sent = 0
        }
        bytes.append(contentsOf: buffer)
    }

    /// Calls `send` with what is left; drops what it reports written.
    mutating func flush(_ send: (UnsafeRawBufferPointer) -> Int) {
        guard !isEmpty else { return }
        let written = bytes.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
        sent += max(0, written)
        if isEmpty {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 64 * 1024)
            sent = 0
        }
    }
}
