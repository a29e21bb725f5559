/// Where an install looks for wheels, and the environment the tool runs in.
///
/// The user's settings are honoured from three places, most specific first: options in the
/// requirements, uv's variables (`UV_INDEX_URL`, `UV_DEFAULT_INDEX`, `UV_EXTRA_INDEX_URL`,
/// `UV_INDEX`, `UV_FIND_LINKS`, `UV_NO_INDEX`), pip's (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`,
/// `PIP_FIND_LINKS`, `PIP_NO_INDEX`). They are merged here and passed to either tool as flags, and
/// the variables themselves are taken out of its environment, so uv and pip see the same settings
/// and neither applies its own precedence (uv would let its variables beat the file's
/// `--index-url`). Other `UV_*`, `PIP_*` and `PYTHON*` variables, which could turn on source
/// builds or change where things go, are dropped; proxies, certificates and timeouts pass.
struct IndexSettings: Equatable {
    var indexURL: String?
    var extraIndexURLs: [String] = []
    var findLinks: [String] = []
    var noIndex = false
    var environment: [String: String] = [:]

    private static let passedThrough: Set<String> = [
        "UV_HTTP_TIMEOUT", "UV_REQUEST_TIMEOUT", "UV_HTTP_RETRIES", "UV_NATIVE_TLS", "UV_SYSTEM_CERTS", "UV_INSECURE_HOST",
        "UV_KEYRING_PROVIDER", "UV_INDEX_STRATEGY", "UV_OFFLINE", "UV_CONCURRENT_DOWNLOADS", "UV_CONCURRENT_INSTALLS",
        "PIP_CERT", "PIP_CLIENT_CERT", "PIP_TRUSTED_HOST", "PIP_DEFAULT_TIMEOUT", "PIP_TIMEOUT", "PIP_RETRIES", "PIP_PROXY",
    ]

    init(requirements: Requirements, environment: [String: String]) {
        func list(_ name: String) -> [String] {
            (environment[name] ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        }
        func flag(_ name: String) -> Bool {
            ["1", "true", "yes", "on"].contains((environment[name] ?? "").lowercased())
        }
        func nonEmpty(_ name: String) -> String? {
            environment[name].flatMap { $0.trimmingWhitespace.isEmpty ? nil : $0.trimmingWhitespace }
        }
        indexURL = requirements.indexURL ?? nonEmpty("UV_INDEX_URL") ?? nonEmpty("UV_DEFAULT_INDEX") ?? nonEmpty("PIP_INDEX_URL")
        // UV_INDEX entries may be named: `name=https://...`.
        let uvIndexes = list("UV_INDEX").map { entry in
            entry.range(of: "=").map { separator in
                let value = String(entry[separator.upperBound...])
                return value.contains("://") ? value : entry
            } ?? entry
        }
        extraIndexURLs = Self.unique(requirements.extraIndexURLs + list("UV_EXTRA_INDEX_URL") + uvIndexes + list("PIP_EXTRA_INDEX_URL"))
        findLinks = Self.unique(requirements.findLinks + list("UV_FIND_LINKS") + list("PIP_FIND_LINKS"))
        noIndex = requirements.noIndex || flag("UV_NO_INDEX") || flag("PIP_NO_INDEX")

        var scrubbed: [String: String] = [:]
        for (name, value) in environment {
            let isToolSetting = name.hasPrefix("UV_") || name.hasPrefix("PIP_") || name.hasPrefix("PYTHON")
                || name == "VIRTUAL_ENV" || name == "CONDA_PREFIX"
            let isIndexCredential = name.hasPrefix("UV_INDEX_") && (name.hasSuffix("_USERNAME") || name.hasSuffix("_PASSWORD"))
            if !isToolSetting || Self.passedThrough.contains(name) || isIndexCredential { scrubbed[name] = value }
        }
        self.environment = scrubbed
    }

    /// The same flags for uv and pip.
    var arguments: [String] {
        var result: [String] = []
        if let indexURL { result += ["--index-url", indexURL] }
        for url in extraIndexURLs { result += ["--extra-index-url", url] }
        for link in findLinks { result += ["--find-links", link] }
        if noIndex { result.append("--no-index") }
        return result
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
