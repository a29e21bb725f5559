import ServiceLifecycle

/// Calls `announce` as soon as its service group begins a graceful shutdown. Listed after the
/// services it warns, it hears of the shutdown before them (a group shuts down in reverse order).
struct ShutdownAnnouncer: Service {
    let announce: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        announce()
    }
}
