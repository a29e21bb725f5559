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
}
