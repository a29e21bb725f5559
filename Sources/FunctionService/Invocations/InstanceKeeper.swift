import FunctionRegistry
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Keeps this serve process known to the registry (heartbeats), and finds the calls that other,
/// dead processes left running: they are marked `interrupted`, never run again.
///
/// A process on this host whose pid is gone is declared gone at once; any other is declared gone once
/// its heartbeat is older than `staleAfter` (it may be on another machine, or just slow).
struct InstanceKeeper: Service {
    let store: any FunctionStore
    let instance: InstanceIdentity
    let heartbeatInterval: Duration
    let staleAfter: Duration
    let logger: Logger

    func run() async throws {
        try await store.waitUntilReady()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.beat()
                try? await Task.sleep(for: heartbeatInterval)
            }
        }
        // Graceful end: this instance's calls all finished (the worker and the HTTP server stopped
        // first); forget it so that nobody waits for its heartbeat.
        _ = try? await store.declareInstanceGone(id: instance.id)
    }

    func beat() async {
        do {
            _ = try await store.heartbeat(instance)
            for other in try await store.instances() where other.identity.id != instance.id {
                if other.identity.hostname == instance.hostname, kill(other.identity.processID, 0) != 0, errno == ESRCH {
                    let interrupted = try await store.declareInstanceGone(id: other.identity.id)
                    if interrupted > 0 { logger.info("marked \(interrupted) calls of a stopped serve process interrupted") }
                }
            }
            _ = try await store.interruptRunningOfGoneInstances(staleAfter: staleAfter)
        } catch {
            logger.warning("heartbeat failed: \(error)")
        }
    }
}
