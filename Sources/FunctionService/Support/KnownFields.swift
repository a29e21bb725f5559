import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON body's fields against the ones its endpoint takes. `Decodable` drops fields it does not
/// know, so a misspelt setting (`timeout` for `timeout_s`) would be ignored without a word; it is a
/// 400 that names it instead.
enum KnownFields {
    /// Throws `invalid` naming the first field of `body` (a JSON object) not in `known`. A body that
    /// is not an object is left to the endpoint's own decoding, which says what it should be.
    static func check(_ body: ByteBuffer, known: [String]) throws {
        guard let object = try? JSONDecoder().decode([String: Ignored].self, from: body) else { return }
        let knownSet = Set(known)
        if let unknown = object.keys.sorted().first(where: { !knownSet.contains($0) }) {
            throw ServiceHTTPError.invalid(
                "unknown field \(String(reflecting: unknown)); the fields are \(known.joined(separator: ", "))")
        }
    }

    /// Any JSON value, not kept.
    private struct Ignored: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}
