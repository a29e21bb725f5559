/// SigV4's canonical form of a request: the text whose SHA-256 the signature covers.
///
/// ```
/// POST
/// /2015-03-31/functions/my-function%253Aprod/invocations
/// Qualifier=1
/// host:127.0.0.1:8900
/// x-amz-date:20150830T123600Z
///
/// host;x-amz-date
/// 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
/// ```
///
/// Each rule below is botocore's (botocore is what boto3 and the AWS CLI sign with), checked against
/// AWS's own test suite; a server and a client that disagree on any byte disagree on every signature.
struct CanonicalRequest: Sendable, CustomStringConvertible {
    let text: String
    /// The lowercase names of the signed headers, sorted and `;`-separated.
    let signedHeaders: String

    var description: String { text }

    /// - Parameters:
    ///   - signedHeaderNames: names of the headers the signature covers, in any case and order.
    ///   - normalizesPath: false only for S3-style signing, which signs the path as it is.
    ///   - omittingQueryParameter: `X-Amz-Signature` in a presigned request, which cannot sign itself.
    init(
        _ request: SignableRequest, signedHeaderNames: some Sequence<String>, normalizesPath: Bool = true,
        omittingQueryParameter omitted: String? = nil
    ) {
        let names = Set(signedHeaderNames.map { $0.lowercased() }).sorted()
        let headerLines = names.map { name in
            "\(name):\(request.values(ofField: name).map(Self.trimmedValue).joined(separator: ","))\n"
        }
        // The payload line is the X-Amz-Content-SHA256 header when the request carries one (the
        // verifier separately checks that the body matches it), else the body's own hash.
        let payloadHash =
            request.values(ofField: SigV4.Header.contentSHA256).first
            ?? request.payloadSHA256Hex
        self.signedHeaders = names.joined(separator: ";")
        self.text = [
            request.method,
            Self.canonicalPath(request.path, normalizing: normalizesPath),
            Self.canonicalQuery(request.query, omitting: omitted),
            headerLines.joined(),
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
    }

    /// The path with dot segments and empty segments removed (unless S3-style), then percent-encoded
    /// once more with `/` kept.
    ///
    /// Every service but S3 encodes twice: the client sends `my-function%3Aprod` (its first encoding
    /// of `my-function:prod`) and signs `my-function%253Aprod`. botocore does exactly this, with
    /// `quote(remove_dot_segments(path), safe='/~')` on the path it sends; matching it byte for byte
    /// is what makes function names with `:` (ARNs, `name:qualifier`) verify.
    static func canonicalPath(_ rawPath: String, normalizing: Bool) -> String {
        let path = normalizing ? removingDotSegments(rawPath) : rawPath
        return path.isEmpty ? "/" : PercentEncoding.encode(path.utf8, keepingSlash: true)
    }

    /// RFC 3986's "remove dot segments", plus the removal of empty segments, as botocore does it: on
    /// the raw path, so an encoded `%2E%2E` stays a name.
    static func removingDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                _ = segments.popLast()
            } else {
                segments.append(segment)
            }
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        return leading + segments.joined(separator: "/") + trailing
    }

    /// The query's `name=value` pairs, each side encoded (valid escapes kept as sent), sorted by
    /// name and then by value, byte-wise; a name without `=` gets an empty value.
    static func canonicalQuery(_ rawQuery: String, omitting omitted: String? = nil) -> String {
        var pairs: [(name: String, value: String)] = []
        for component in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = component.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { component[..<$0] } ?? component[...]
            let rawValue = equals.map { component[component.index(after: $0)...] } ?? component[component.endIndex...]
            if let omitted, Array(PercentEncoding.decode(rawName)) == Array(omitted.utf8) {
                continue
            }
            pairs.append((PercentEncoding.encodeKeepingEscapes(rawName), PercentEncoding.encodeKeepingEscapes(rawValue)))
        }
        pairs.sort { lhs, rhs in
            lhs.name != rhs.name
                ? lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
                : lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The value with leading and trailing whitespace removed and each inner run of whitespace made
    /// one space. "Whitespace" is Python's (`str.split()`), which botocore uses for this.
    static func trimmedValue(_ value: String) -> String {
        value.unicodeScalars.split(whereSeparator: isPythonWhitespace).map { String(String.UnicodeScalarView($0)) }
            .joined(separator: " ")
    }

    private static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }
}
