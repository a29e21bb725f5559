/// What a request claims about its signature, read from its `Authorization` header or from its
/// presigned query, before anything is checked against a secret or a clock.
///
/// Everything in it comes from the client and is checked for shape only; values echoed in error
/// messages are cut short and stripped of control characters first.
struct SignatureClaim: Sendable {
    enum Form: Sendable, Equatable {
        case authorizationHeader
        case presignedQuery(expiresInSeconds: Int)
    }

    var form: Form
    var accessKeyID: String
    var scope: CredentialScope
    /// Lowercase, sorted, without duplicates.
    var signedHeaderNames: [String]
    var signature: String
    var timestamp: SigningTimestamp
    var sessionToken: String?

    init(parsing request: SignableRequest) throws(SignatureVerificationError) {
        let authorizations = request.values(ofField: SigV4.Header.authorization)
        let query = Self.decodedQueryParameters(request.query)
        let presigned = query.contains {
            [SigV4.QueryParameter.algorithm, SigV4.QueryParameter.credential, SigV4.QueryParameter.signature]
                .contains($0.name)
        }
        switch (authorizations.isEmpty, presigned) {
        case (true, false):
            throw .missingAuthentication
        case (false, true):
            throw .incompleteSignature(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
        case (false, false):
            try self.init(authorizationHeaders: authorizations, request: request)
        case (true, true):
            try self.init(presignedQuery: query)
        }
        guard signedHeaderNames.contains(SigV4.Header.host) else {
            throw .incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        for name in signedHeaderNames where request.values(ofField: name).isEmpty {
            throw .incompleteSignature("The request does not have the header \(Self.quoted(name)), which SignedHeaders lists.")
        }
    }

    private init(authorizationHeaders: [String], request: SignableRequest) throws(SignatureVerificationError) {
        guard authorizationHeaders.count == 1, let header = authorizationHeaders.first else {
            throw .incompleteSignature("The request has more than one Authorization header.")
        }
        guard header.hasPrefix(SigV4.algorithm + " ") || header == SigV4.algorithm else {
            throw .incompleteSignature(
                "Unsupported Authorization header: only \(SigV4.algorithm) (AWS Signature Version 4) is accepted.")
        }
        var parameters: [String: String] = [:]
        for part in header.dropFirst(SigV4.algorithm.count).split(separator: ",") {
            let pair = part.trimmingSpaces
            if pair.isEmpty { continue }
            guard let equals = pair.firstIndex(of: "=") else {
                throw .incompleteSignature(
                    "\(Self.quoted(pair)) not a valid key=value pair (missing equal-sign) in Authorization header.")
            }
            let key = String(pair[..<equals])
            guard parameters.updateValue(String(pair[pair.index(after: equals)...]), forKey: key) == nil else {
                throw .incompleteSignature("Authorization header has more than one \(Self.quoted(key)) parameter.")
            }
        }
        var problems = ["Credential", "Signature", "SignedHeaders"].filter { (parameters[$0] ?? "").isEmpty }.map {
            "Authorization header requires '\($0)' parameter."
        }
        let dated = try Self.headerTimestamp(request)
        if dated == nil {
            problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        guard problems.isEmpty, let credential = parameters["Credential"], let signature = parameters["Signature"],
            let signedHeaders = parameters["SignedHeaders"], let dated
        else {
            throw .incompleteSignature(problems.joined(separator: " "))
        }
        let tokens = request.values(ofField: SigV4.Header.securityToken)
        guard tokens.count <= 1 else {
            throw .incompleteSignature("The request has more than one X-Amz-Security-Token header.")
        }
        try self.init(
            form: .authorizationHeader, credential: credential, signedHeaders: signedHeaders, signature: signature,
            timestamp: dated.timestamp, timestampSource: dated.source, sessionToken: tokens.first)
    }

    private init(presignedQuery query: [(name: String, value: String)]) throws(SignatureVerificationError) {
        typealias Name = SigV4.QueryParameter
        var parameters: [String: String] = [:]
        for (name, value) in query where name.hasPrefix("X-Amz-") {
            guard parameters.updateValue(value, forKey: name) == nil else {
                throw .incompleteSignature("The query has more than one \(Self.quoted(name)) parameter.")
            }
        }
        let required = [Name.algorithm, Name.credential, Name.signature, Name.date, Name.signedHeaders, Name.expires]
        let missing = required.filter { (parameters[$0] ?? "").isEmpty }
        guard missing.isEmpty, let algorithm = parameters[Name.algorithm], let credential = parameters[Name.credential],
            let signature = parameters[Name.signature], let date = parameters[Name.date],
            let signedHeaders = parameters[Name.signedHeaders], let expires = parameters[Name.expires]
        else {
            throw .incompleteSignature(
                "AWS query-string parameters must include \(missing.map { "'\($0)'" }.joined(separator: ", ")). Re-examine the query-string parameters.")
        }
        guard algorithm == SigV4.algorithm else {
            throw .incompleteSignature(
                "X-Amz-Algorithm only supports '\(SigV4.algorithm)', not \(Self.quoted(algorithm)).")
        }
        guard let timestamp = SigningTimestamp(amzDate: date) else {
            throw .incompleteSignature(
                "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z', not \(Self.quoted(date)).")
        }
        guard expires.utf8.count <= 7, expires.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let seconds = Int(expires), (1...SigV4.maximumPresignedExpiry).contains(seconds)
        else {
            throw .incompleteSignature(
                "X-Amz-Expires must be a whole number of seconds from 1 to \(SigV4.maximumPresignedExpiry), not \(Self.quoted(expires)).")
        }
        try self.init(
            form: .presignedQuery(expiresInSeconds: seconds), credential: credential, signedHeaders: signedHeaders,
            signature: signature, timestamp: timestamp, timestampSource: Name.date,
            sessionToken: parameters[Name.securityToken])
    }

    private init(
        form: Form, credential: String, signedHeaders: String, signature: String, timestamp: SigningTimestamp,
        timestampSource: String, sessionToken: String?
    ) throws(SignatureVerificationError) {
        // `<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request`; the key id is whatever
        // precedes the last four elements.
        let elements = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard elements.count >= 5, !elements[0].isEmpty else {
            throw .incompleteSignature(
                "Credential must have the form <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request, not \(Self.quoted(credential)).")
        }
        let (date, region, service, terminator) = (
            elements[elements.count - 4], elements[elements.count - 3], elements[elements.count - 2],
            elements[elements.count - 1]
        )
        guard terminator == SigV4.scopeTerminator else {
            throw .invalidCredentialScope(
                "Credential should be scoped with a valid terminator: '\(SigV4.scopeTerminator)', not \(Self.quoted(terminator)).")
        }
        guard CredentialScope.isValidRegion(region) else {
            throw .invalidCredentialScope("Credential should be scoped to a valid region, not \(Self.quoted(region)).")
        }
        guard date == timestamp.day else {
            throw .invalidCredentialScope(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \(Self.quoted(date)) != '\(timestamp.day)', from '\(timestampSource)'.")
        }
        self.form = form
        self.accessKeyID = elements.dropLast(4).joined(separator: "/")
        self.scope = CredentialScope(date: String(date), region: String(region), service: String(service))
        self.signedHeaderNames = Set(
            signedHeaders.split(separator: ";").map { $0.trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
        ).sorted()
        self.signature = signature
        self.timestamp = timestamp
        self.sessionToken = sessionToken
    }

    /// `X-Amz-Date`, else `Date`, with the name of the header it came from; nil when there is neither.
    private static func headerTimestamp(_ request: SignableRequest) throws(SignatureVerificationError)
        -> (timestamp: SigningTimestamp, source: String)?
    {
        for (name, displayName, parse) in [
            (SigV4.Header.amzDate, "X-Amz-Date", SigningTimestamp.init(amzDate:)),
            (SigV4.Header.date, "Date", SigningTimestamp.init(httpDate:)),
        ] as [(String, String, (String) -> SigningTimestamp?)] {
            let values = request.values(ofField: name)
            if values.isEmpty { continue }
            guard values.count == 1, let value = values.first else {
                throw .incompleteSignature("The request has more than one \(displayName) header.")
            }
            guard let timestamp = parse(value.trimmingSpaces) else {
                let format =
                    name == SigV4.Header.amzDate
                    ? "the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'" : "the HTTP date format (RFC 5322)"
                throw .incompleteSignature("\(displayName) must be in \(format), not \(quoted(value)).")
            }
            return (timestamp, displayName)
        }
        return nil
    }

    /// The query's parameters with names and values percent-decoded (invalid UTF-8 replaced).
    static func decodedQueryParameters(_ rawQuery: String) -> [(name: String, value: String)] {
        rawQuery.utf8.split(separator: UInt8(ascii: "&")).map { component in
            let equals = component.firstIndex(of: UInt8(ascii: "="))
            let name = equals.map { component[..<$0] } ?? component[...]
            let value = equals.map { component[component.index(after: $0)...] } ?? component[component.endIndex...]
            return (
                String(decoding: PercentEncoding.decode(name), as: UTF8.self),
                String(decoding: PercentEncoding.decode(value), as: UTF8.self)
            )
        }
    }

    /// `value` in single quotes for an error message: at most 64 characters, control characters as `?`.
    static func quoted(_ value: some StringProtocol) -> String {
        let cleaned = String(String.UnicodeScalarView(value.unicodeScalars.prefix(64).map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
        return "'\(cleaned)\(value.unicodeScalars.count > 64 ? "..." : "")'"
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
