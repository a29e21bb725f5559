import Dispatcher

extension RunArguments {
    /// `pylambda run`'s arguments read straight from the command line, or nil for anything but the
    /// plain forms: FILE once, each known `--option value` or `--option=value` at most once, the two
    /// flags, and values that convert and validate. Whatever it declines goes to ArgumentParser, which
    /// accepts it the same way or explains what is wrong, so this never decides an error's wording.
    ///
    /// Why not ArgumentParser: a warm run is a whole process around a call of well under a
    /// millisecond, and ArgumentParser's parse of `run` alone is about a quarter of its CPU time. It
    /// reflects over the command's properties, and each generic type it meets for the first time is
    /// a protocol-conformance lookup, a scan of this binary's 11,000 conformance records.
    /// `RunArgumentsScanTests` holds the two to the same result and the same option names.
    static func scan(_ arguments: [String]) -> RunArguments? {
        var scanned = RunArguments(file: "")
        var file: String?
        // An array, not a Set: a Set of a type first met at run time costs a conformance lookup
        // (about 0.4 ms here), and there are twelve names.
        var seen: [Substring] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                // "-" is FILE on stdin; anything else that starts with "-" is a short option.
                guard argument == "-" || !argument.hasPrefix("-"), file == nil else { return nil }
                file = argument
                continue
            }
            var name = argument.dropFirst(2)
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                // ArgumentParser reads `--data=` as `--data`, which takes the next argument; left to it.
                guard equals != name.index(before: name.endIndex) else { return nil }
                value = String(name[name.index(after: equals)...])
                name = name[..<equals]
            }
            guard !seen.contains(name) else { return nil }
            seen.append(name)
            if name == "log-tail" || name == "no-keep-warm" {
                guard value == nil else { return nil }
                if name == "log-tail" { scanned.logTail = true } else { scanned.noKeepWarm = true }
                continue
            }
            if value == nil, index < arguments.endIndex, arguments[index] == "-" || !arguments[index].hasPrefix("-") {
                value = arguments[index]
                index += 1
            }
            guard let value, scanned.set(name, to: value) else { return nil }
        }
        guard let file else { return nil }
        scanned.file = file
        return scanned.validationError == nil ? scanned : nil
    }

    /// Sets the option `name` from its text as ArgumentParser would convert it; false for an unknown
    /// option or a value that does not convert.
    private mutating func set(_ name: Substring, to value: String) -> Bool {
        switch name {
        case "handler": handler = value
        case "requirements": requirements = value
        case "data": data = value
        case "data-file": dataFile = value
        case "image": image = value
        case "timeout":
            guard let seconds = Double(value) else { return false }
            timeout = seconds
        case "memory":
            guard let megabytes = Int(value) else { return false }
            memory = megabytes
        case "idle-ttl":
            guard let seconds = Int(value) else { return false }
            idleTtl = seconds
        case "backend":
            guard let kind = Backend(rawValue: value) else { return false }
            backend = kind
        case "runtime":
            guard let kind = ContainerRuntime(rawValue: value) else { return false }
            runtime = kind
        case "env":
            // Once only here (a second is left to ArgumentParser, as every repeated option is).
            guard let variable = KeyValueArgument(value, allowsEmptyKey: false) else { return false }
            environment[variable.key] = variable.value
        default: return false
        }
        return true
    }
}
