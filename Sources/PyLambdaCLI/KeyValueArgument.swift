import ArgumentParser

/// A `KEY=VALUE` command-line value (`--env`, `--build-arg`, `--label`), split at its first `=`: the
/// value may contain `=` itself.
struct KeyValueArgument {
    var key: String
    var value: String

    /// Nil for text without `=`, or with nothing before it when `allowsEmptyKey` is false.
    init?(_ text: String, allowsEmptyKey: Bool = true) {
        guard let equals = text.firstIndex(of: "="), allowsEmptyKey || equals != text.startIndex else { return nil }
        key = String(text[..<equals])
        value = String(text[text.index(after: equals)...])
    }

    /// `--env` values (of `run` and `deploy`) as the function's variables; a value without a key
    /// or `=` is refused, naming it.
    static func environment(_ pairs: [String]) throws(ValidationError) -> [String: String] {
        var variables: [String: String] = [:]
        for pair in pairs {
            guard let variable = KeyValueArgument(pair, allowsEmptyKey: false) else {
                throw ValidationError("--env takes KEY=VALUE, got \(pair)")
            }
            variables[variable.key] = variable.value
        }
        return variables
    }
}
