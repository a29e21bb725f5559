/// Sizes the registry refuses to go past. They bound what one row can hold, so that a hostile or
/// mistaken client cannot fill the database or the memory of every process that reads the row back.
/// The HTTP API may enforce smaller limits of its own (6 MiB requests); these are the storage limits.
public struct RegistryLimits: Sendable, Equatable {
    /// A function's source file or package zip.
    public var maxCodeBytes = 50 << 20
    /// An async invocation's input, and any invocation's stored result.
    public var maxPayloadBytes = 6 << 20
    /// Function output kept per invocation; longer tails keep their end (the most recent output).
    public var maxLogTailBytes = 64 << 10
    /// An error message kept per invocation; longer messages keep their start.
    public var maxErrorMessageBytes = 64 << 10
    /// Requirements text, description, handler and environment (serialised), each.
    public var maxTextBytes = 256 << 10
    /// The most records one list call returns (a page of invocations or functions).
    public var maxListLimit = 1000

    public init() {}
}

extension RegistryLimits {
    /// The checks `createVersion` makes, for a caller that wants to refuse a version before doing any
    /// work for it (say, before running its code in a runner).
    public func check(_ new: NewFunctionVersion) throws(RegistryError) {
        try InputValidation(limits: self).check(new)
    }
}
