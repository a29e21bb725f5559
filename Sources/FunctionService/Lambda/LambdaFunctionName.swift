import AWSSignatureV4
import ServiceProtocol

/// What a Lambda path's `{FunctionName}` names: a name, a partial ARN (`000000000000:function:name`)
/// or a full one (`arn:aws:lambda:us-east-1:000000000000:function:name`), each maybe with `:qualifier`.
struct LambdaFunctionName: Equatable {
    var name: String
    /// `$LATEST` or a version number, from `name:qualifier` or the `Qualifier` query.
    var qualifier: String?

    /// Parses the raw path component (still percent-encoded, as the client sent it). A name Lambda
    /// allows but PyLambda does not (`MyFunction`) names no function: ResourceNotFoundException, as
    /// Lambda answers for a function that is not there, except when `creating` one.
    init(rawComponent: Substring, qualifier: String?, creating: Bool = false) throws(LambdaError) {
        let text = String(decoding: PercentEncoding.decode(rawComponent.utf8), as: UTF8.self)
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "arn" {
            // arn:aws:lambda:region:account:function:name[:qualifier]
            guard parts.count >= 7, parts[2] == "lambda", parts[5] == "function" else {
                throw .invalid("\(text) is not a Lambda function ARN")
            }
            parts = Array(parts[6...])
        } else if parts.count >= 3, parts[1] == "function" {
            parts = Array(parts[2...])
        }
        guard (1...2).contains(parts.count) else { throw .invalid("cannot read a function name from \(text)") }
        name = parts[0]
        let fromPath = parts.count == 2 ? parts[1] : nil
        if let fromPath, let qualifier, fromPath != qualifier {
            throw .invalid("the qualifier in the function name (\(fromPath)) and the Qualifier parameter (\(qualifier)) differ")
        }
        self.qualifier = fromPath ?? qualifier
        guard FunctionNameRule.isValid(name) else {
            if !creating, Self.isLambdaName(name) {
                throw .notFound("Function not found: \(name) (PyLambda function names are lowercase: 1 to 64 of a-z, 0-9, '_' and '-')")
            }
            throw .invalid("1 validation error detected: Value '\(name)' at 'functionName' failed to satisfy constraint: PyLambda function names are 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit")
        }
    }

    /// Lambda's own rule for a function name: 1 to 64 letters, digits, '-' and '_'.
    static func isLambdaName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// The version number the qualifier names; nil for `$LATEST` or none.
    func versionNumber() throws(LambdaError) -> Int? {
        guard let qualifier, qualifier != "$LATEST" else { return nil }
        guard let number = Int(qualifier), number >= 1 else {
            // An alias, on Lambda: none exists here, so it is not found, as an unknown alias is there.
            throw .notFound("Function not found: \(name):\(qualifier) (PyLambda has no aliases: use $LATEST or a published version's number)")
        }
        return number
    }
}
