/// The OCI runtime a function's containers run under.
public enum FunctionRuntime: String, Sendable, Equatable, CaseIterable {
    /// Docker's default runtime: namespaces, cgroups, seccomp.
    case runc
    /// gVisor: a user-space kernel between the function and the host's, for code trusted even less.
    case runsc
}
