import NIOCore
import ServiceProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON body's fields against the ones its endpoint takes. `Decodable` drops fields it does not
/// know, so a misspelt setting (`timeout` for `timeout_s`) would be ignored without a word; it is a
/// 400 that names it instead.
enum KnownFields {
    /// `T` decoded from `body`, its fields checked first in the same pass (a deploy's body can be
    /// 70 MiB of base64). Throws `ServiceHTTPError.invalid` naming the first field not in
    /// `T.fieldNames`, and the decoder's own error for anything else (a body that is not an object).
    static func decode<T: Decodable & FieldNamed>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        try JSONDecoder().decode(Checked<T>.self, from: body).value
    }

    private struct Checked<T: Decodable & FieldNamed>: Decodable {
        let value: T

        init(from decoder: any Decoder) throws {
            let known = T.fieldNames
            let fields = try decoder.container(keyedBy: AnyField.self).allKeys.map(\.stringValue)
            if let unknown = fields.sorted().first(where: { !known.contains($0) }) {
                throw ServiceHTTPError.invalid(
                    "unknown field \(String(reflecting: unknown)); the fields are \(known.joined(separator: ", "))")
            }
            value = try T(from: decoder)
        }
    }

    private struct AnyField: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A request body whose field names are known, for `KnownFields`.
protocol FieldNamed {
    static var fieldNames: [String] { get }
}

extension DeployRequest: FieldNamed {}
extension CreateKeyRequest: FieldNamed {}
