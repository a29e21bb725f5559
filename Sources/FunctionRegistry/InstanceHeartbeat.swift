import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Keeps one serve instance known to the registry and cleans up after instances that are gone: every
/// `interval` it renews the heartbeat, declares gone the instances of this host whose process no
/// longer exists, and interrupts the running calls of instances silent for `staleAfter`.
///
/// A process killed with `kill -9` and started again on the same host has its old calls interrupted
/// within about two intervals (its process is gone and it missed a heartbeat); elsewhere, or if its
/// pid was reused, after `staleAfter`. An instance whose heartbeat is fresh is never touched, even when
/// its pid is not visible here (another pid namespace with the same host name).
///
/// Start it before recording or claiming calls, and list it in the service group after the store and
/// before what runs calls: it then stops after the calls in flight have finished, and says so by
/// declaring its own instance gone (any call of its own still marked running becomes `interrupted`).
public struct InstanceHeartbeat: Service {
    public struct Configuration: Sendable {
        public var interval: Duration = .seconds(5)
        /// How long without a heartbeat before an instance counts as gone. Must be well above
        /// `interval`: a live instance that misses this would have its running calls interrupted.
        public var staleAfter: Duration = .seconds(30)
        public var logger = Logger(label: "pylambda.registry.heartbeat")

        public init() {}
    }

    public let store: any FunctionStore
    public let instance: InstanceIdentity
    public let configuration: Configuration

    public init(store: any FunctionStore, instance: InstanceIdentity, configuration: Configuration = Configuration()) {
        self.store = store
        self.instance = instance
        self.configuration = configuration
    }

    /// Beats until graceful shutdown or cancellation, then removes its instance. A failed beat
    /// (database briefly unavailable) is logged and retried at the next interval rather than ending
    /// the service.
    public func run() async throws {
        guard configuration.staleAfter > configuration.interval * 2 else {
            throw RegistryError.invalidInput("InstanceHeartbeat: staleAfter must be more than two intervals")
        }
        try await store.waitUntilReady()
        let store = store
        let configuration = configuration
        let heartbeat = self
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await heartbeat.beat()
                try? await Task.sleep(for: configuration.interval)
            }
        }
        let instance = instance
        // Not cancelled with the service: the last word must reach the database.
        await Task {
            do {
                let interrupted = try await store.declareInstanceGone(id: instance.id)
                configuration.logger.info("serve instance stopped", metadata: ["instance": "\(instance.id)", "interrupted": "\(interrupted)"])
            } catch {
                configuration.logger.error("could not remove serve instance \(instance.id) from the registry: \(error)")
            }
        }.value
    }

    /// One round: heartbeat, then clean up after gone instances. Public for tests and for a first
    /// round at start, before the service group is up.
    public func beat() async {
        let logger = configuration.logger
        do {
            if try await !store.heartbeat(instance) {
                logger.info("registered serve instance", metadata: ["instance": "\(instance.id)"])
            }
            let instances = try await store.instances()
            // Our own fresh heartbeat is "now" on the database's clock.
            if let now = instances.first(where: { $0.identity.id == instance.id })?.heartbeatAt {
                for other in instances where other.identity.id != instance.id && other.identity.hostname == instance.hostname {
                    let silent = now.timeIntervalSince(other.heartbeatAt)
                    guard silent > configuration.interval.seconds * 2, !Self.processExists(other.identity.processID) else { continue }
                    let interrupted = try await store.declareInstanceGone(id: other.identity.id)
                    logger.warning(
                        "serve instance \(other.identity.id) (pid \(other.identity.processID)) is gone; \(interrupted) of its running calls marked interrupted")
                }
            }
            let interrupted = try await store.interruptRunningOfGoneInstances(staleAfter: configuration.staleAfter)
            if interrupted > 0 {
                logger.warning("\(interrupted) running calls of serve instances without a heartbeat marked interrupted")
            }
        } catch {
            // Cancelled by a graceful shutdown in the middle of a beat: nothing failed.
            guard !Task.isCancelled else { return }
            logger.error("registry heartbeat failed: \(error)")
        }
    }

    /// Whether a process with this pid runs on this host. A zombie (killed, not yet reaped by its
    /// parent) does not: it runs nothing, and its parent may take a while.
    static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        return !isZombie(pid)
    }

    /// The state field of `/proc/<pid>/stat` (after the command name in parentheses) is `Z`.
    private static func isZombie(_ pid: Int32) -> Bool {
        let descriptor = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0, let parenthesis = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")), parenthesis + 2 < count else {
            return false
        }
        return buffer[parenthesis + 2] == UInt8(ascii: "Z")
    }
}
