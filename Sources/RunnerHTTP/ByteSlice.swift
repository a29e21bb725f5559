/// A run of bytes inside one request, by offset from the request's first byte.
///
/// The decoder hands out positions rather than copies: the caller reads them from its own buffer, and
/// a request costs no allocation.
public struct ByteSlice: Equatable, Sendable {
    public var offset: Int
    public var count: Int

    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }

    public static let empty = ByteSlice(offset: 0, count: 0)
}
