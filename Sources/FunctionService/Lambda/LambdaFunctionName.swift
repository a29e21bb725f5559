import AWSSignatureV4
import ServiceProtocol

/// What a Lambda path's `{FunctionName}` names: a name, a partial ARN (`000000000000:function:name`)
/// or a full one (`arn:aws:lambda:us-east-1:000000000000:function:name`), each maybe with `:qualifier`.
struct LambdaFunctionName: Equatable {
    var name: String
    /// `$LATEST` or a version number, from `name:qualifier` or the `Qualifier` query.
    var qualifier: String?

    /// Parses the raw path component (still percent-encoded, as the client sent it).
    init(rawComponent: Substring, qualifier: String?) throws(LambdaError) {
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
            throw .invalid("1 validation error detected: Value '\(name)' at 'functionName' failed to satisfy constraint: PyLambda function names are 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit")
        }
    }

    /// The version number the qualifier names; nil for `$LATEST` or none.
    func versionNumber() throws(LambdaError) -> Int? {
        guard let qualifier, qualifier != "$LATEST" else { return nil }
        guard let number = Int(qualifier), number >= 1 else {
            throw .invalid("qualifier \(qualifier) is not a version: use $LATEST or a version number (PyLambda has no aliases)")
        }
        return number
    }
}
