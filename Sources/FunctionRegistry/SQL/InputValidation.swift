/// What the registry checks before it writes anything: every value a client gave is bounded and of a
/// shape the rest of pylambda can use without further checks, and text produced by functions is made
/// storable (PostgreSQL's text refuses NUL, SQLite's reader stops at it).
struct InputValidation {
    let limits: RegistryLimits

    func check(_ new: NewFunctionVersion) throws(RegistryError) {
        let bytes = new.code.bytes
        guard !bytes.isEmpty else { throw .invalidInput("the code is empty") }
        guard bytes.count <= limits.maxCodeBytes else {
            throw .invalidInput("the code is \(bytes.count) bytes; the limit is \(limits.maxCodeBytes) bytes (RegistryLimits.maxCodeBytes)")
        }
        try checkHandler(new.handler)
        if let key = new.dependencySetKey {
            let valid = (1...128).contains(key.utf8.count)
                && key.utf8.allSatisfy { Self.isAlphanumeric($0) || ".:_-".utf8.contains($0) }
            guard valid else {
                throw .invalidInput("invalid dependency set key \(String(reflecting: String(key.prefix(80)))): use 1 to 128 characters of A-Z, a-z, 0-9, '.', ':', '_' and '-'")
            }
        }
        if let requirements = new.requirements { try checkText(requirements, what: "the requirements") }
        try checkText(new.description, what: "the description")
        try check(new.settings)
    }

    private func check(_ settings: FunctionSettings) throws(RegistryError) {
        guard (1...1_048_576).contains(settings.memoryMB) else {
            throw .invalidInput("memory_mb must be from 1 to 1048576, not \(settings.memoryMB)")
        }
        guard settings.timeoutSeconds.isFinite, settings.timeoutSeconds > 0, settings.timeoutSeconds <= 86_400 else {
            throw .invalidInput("timeout_s must be more than 0 and at most 86400, not \(settings.timeoutSeconds)")
        }
        guard (1...10_000).contains(settings.concurrency) else {
            throw .invalidInput("concurrency must be from 1 to 10000, not \(settings.concurrency)")
        }
        for (name, value) in settings.environment {
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "=")), !name.utf8.contains(0), name.utf8.count <= 1024 else {
                throw .invalidInput("invalid environment variable name \(String(reflecting: String(name.prefix(80)))): it must be 1 to 1024 bytes without '=' or NUL")
            }
            guard !value.utf8.contains(0) else {
                throw .invalidInput("the environment variable \(name) contains a NUL character, which no environment can hold")
            }
        }
        let size = settings.environment.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard size <= limits.maxTextBytes else {
            throw .invalidInput("the environment is \(size) bytes; the limit is \(limits.maxTextBytes) bytes (RegistryLimits.maxTextBytes)")
        }
    }

    /// `name` or `module.name`, each part a Python identifier (ASCII).
    private func checkHandler(_ handler: String) throws(RegistryError) {
        let parts = handler.split(separator: ".", omittingEmptySubsequences: false)
        let valid = handler.utf8.count <= 256 && parts.allSatisfy { part in
            guard let first = part.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
            return part.utf8.allSatisfy { Self.isAlphanumeric($0) || $0 == UInt8(ascii: "_") }
        }
        guard valid else {
            throw .invalidInput("invalid handler \(String(reflecting: String(handler.prefix(80)))): use a Python name, or module.name (ASCII identifiers)")
        }
    }

    private func checkText(_ text: String, what: String) throws(RegistryError) {
        guard text.utf8.count <= limits.maxTextBytes else {
            throw .invalidInput("\(what) is \(text.utf8.count) bytes; the limit is \(limits.maxTextBytes) bytes (RegistryLimits.maxTextBytes)")
        }
        guard !text.utf8.contains(0) else { throw .invalidInput("\(what) contains a NUL character") }
    }

    func checkPayload(_ bytes: [UInt8], what: String) throws(RegistryError) {
        guard bytes.count <= limits.maxPayloadBytes else {
            throw .invalidInput("\(what) is \(bytes.count) bytes; the limit is \(limits.maxPayloadBytes) bytes (RegistryLimits.maxPayloadBytes)")
        }
    }

    /// How a call ended, as it may be stored: a final status, a finite duration, a result within the
    /// payload limit.
    func checkFinal(_ outcome: InvocationOutcome) throws(RegistryError) {
        guard outcome.status.isFinal else {
            throw .invalidInput("an invocation cannot finish as \(outcome.status.rawValue); use a final status")
        }
        if let result = outcome.result { try checkPayload(result, what: "the result") }
        if let duration = outcome.durationMS, !(duration.isFinite && duration >= 0) {
            throw .invalidInput("duration_ms must be a finite number of at least 0, not \(duration)")
        }
    }

    func checkLimit(_ limit: Int) throws(RegistryError) {
        guard (1...limits.maxListLimit).contains(limit) else {
            throw .invalidInput("limit must be from 1 to \(limits.maxListLimit), not \(limit)")
        }
    }

    func checkFunctionName(ofKey functionName: String?, scope: KeyScope) throws(RegistryError) {
        guard let functionName else { return }
        try FunctionName.validate(functionName)
        guard scope == .invoke else {
            throw .invalidInput("an admin key cannot be limited to one function; give it the invoke scope or no function")
        }
    }

    /// Function output as the registry keeps it: NULs replaced by U+FFFD, the end kept.
    func storableTail(_ text: String?) -> String? {
        guard let text else { return nil }
        return Self.withoutNUL(Self.suffix(text, maxBytes: limits.maxLogTailBytes))
    }

    /// An error's text as the registry keeps it: NULs replaced by U+FFFD, the start kept.
    func storableMessage(_ text: String, maxBytes: Int? = nil) -> String {
        Self.withoutNUL(Self.prefix(text, maxBytes: maxBytes ?? limits.maxErrorMessageBytes))
    }

    static func withoutNUL(_ text: String) -> String {
        text.utf8.contains(0) ? text.replacing("\u{0}", with: "\u{FFFD}") : text
    }

    /// At most `maxBytes` bytes from the start, cut before a character rather than inside one.
    static func prefix(_ text: String, maxBytes: Int) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > maxBytes else { return text }
        var end = maxBytes
        while end > 0 && isContinuation(bytes[end]) { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// At most `maxBytes` bytes from the end, cut before a character rather than inside one.
    static func suffix(_ text: String, maxBytes: Int) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > maxBytes else { return text }
        var start = bytes.count - maxBytes
        while start < bytes.count && isContinuation(bytes[start]) { start += 1 }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    private static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
