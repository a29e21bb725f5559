import Dispatcher

/// What one `pylambda run` was asked to do. `RunCommand` fills it from ArgumentParser's parse, and
/// `RunArguments.scan` from the command line directly (the fast path of a warm run); both check it
/// with `validationError`, and `RunCommand.run(_:)` carries it out.
struct RunArguments: Equatable, Sendable {
    var file: String
    var handler: String?
    var requirements: String?
    var data: String?
    var dataFile: String?
    var timeout = Self.defaultTimeout
    var memory = Self.defaultMemory
    var logTail = false
    var backend = Backend.docker
    var image = DispatcherConfiguration.defaultImage
    var idleTtl = Self.defaultIdleTtl
    var noKeepWarm = false
    var runtime = ContainerRuntime.runc
    /// `--env KEY=VALUE`, repeatable: the function's environment variables.
    var environment: [String: String] = [:]

    static let defaultTimeout: Double = 60
    static let defaultMemory = 256
    static let defaultIdleTtl = 300

    enum Backend: String, CaseIterable, Sendable {
        case docker, process
    }

    /// Why these arguments cannot run, in words that name the option; nil when they can.
    var validationError: String? {
        if data != nil && dataFile != nil { return "Give --data or --data-file, not both." }
        if [file == "-", dataFile == "-", requirements == "-"].filter({ $0 }).count > 1 {
            return "Only one of FILE, --data-file and --requirements can be stdin."
        }
        let maxSeconds = FunctionConfiguration.maxTimeout.components.seconds
        if !timeout.isFinite || timeout <= 0 || timeout > Double(maxSeconds) {
            return "--timeout is in seconds and must be more than 0 and at most \(maxSeconds) (a day)."
        }
        if !(1...DispatcherConfiguration.maxIdleTTLSeconds).contains(idleTtl) {
            return "--idle-ttl is in seconds and must be from 1 to \(DispatcherConfiguration.maxIdleTTLSeconds) (a day)."
        }
        // Int64(memory) << 20 must not overflow; no machine has 2^43 MiB.
        if memory < 16 || memory > 1 << 40 { return "--memory is in MiB and must be from 16 to \(1 << 40)." }
        return nil
    }
}
