/// What an epoll event's data says about its source.
enum EventToken {
    static let listener: UInt64 = 1 << 63
    static let wake: UInt64 = 1 << 62
    static let signals: UInt64 = 1 << 61

    /// A connection: its descriptor and a generation that changes whenever a descriptor is reused.
    static func connection(descriptor: Int32, generation: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: descriptor)) | UInt64(generation & 0x1FFF_FFFF) << 32
    }

    static func descriptor(of token: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: token)) }
}
