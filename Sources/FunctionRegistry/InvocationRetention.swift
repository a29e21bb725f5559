import Logging
import ServiceLifecycle

/// Deletes the records of calls that ended more than `keep` ago, so that a service that runs for
/// months does not grow its registry (and its disk) with every call: every `interval`, in rounds of
/// `batch` records, the oldest first. Queued and running calls are never touched, however old.
///
/// Several serve processes sharing a PostgreSQL registry may all run it: a record one deletes the
/// others no longer find.
public struct InvocationRetention: Service {
    public struct Configuration: Sendable {
        /// How long an ended call's record is kept after the call ended.
        public var keep: Duration = .seconds(7 * 86_400)
        public var interval: Duration = .seconds(60)
        /// Records deleted per statement: one statement's transaction stays short.
        public var batch = 1000
        public var logger = Logger(label: "pylambda.registry.retention")

        public init() {}
    }

    public let store: any FunctionStore
    public let configuration: Configuration

    public init(store: any FunctionStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
    }

    /// Deletes until graceful shutdown or cancellation. A failed round (the registry briefly
    /// unavailable) is logged and tried again at the next interval.
    public func run() async throws {
        try await store.waitUntilReady()
        let retention = self
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await retention.deleteExpired()
                try? await Task.sleep(for: retention.configuration.interval)
            }
        }
    }

    /// One round: batches until one deletes fewer than `batch`. Returns how many records went.
    @discardableResult
    public func deleteExpired() async -> Int {
        var deleted = 0
        do {
            while !Task.isCancelled {
                let count = try await store.deleteInvocations(olderThan: configuration.keep, limit: configuration.batch)
                deleted += count
                if count < configuration.batch { break }
            }
        } catch {
            configuration.logger.warning("could not delete old invocation records (will try again): \(error)")
        }
        if deleted > 0 {
            configuration.logger.info("deleted \(deleted) invocation records older than \(configuration.keep)")
        }
        return deleted
    }
}
