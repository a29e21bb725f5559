import Logging
import PostgresNIO
import Synchronization

/// Hears the changes other processes make to a shared registry (`NOTIFY` on the schema's channel
/// with an empty payload, see `SQLRegistry.announceChange`) and passes them to a
/// `RegistryChangeFeed`, on a connection of its own.
///
/// It proves that it hears them: every `confirmEvery` it sends a probe (through the pool), a
/// notification of its own with a fresh nonce, and only a probe that comes back lets the feed hand
/// out marks, for `staleAfter` from when it was sent. Notifications arrive on the listening
/// connection in the order they were committed, so nothing announced before the probe is still on
/// its way. (A `SELECT 1` would prove less: behind a pooling proxy it may be answered by a server
/// session other than the one listening.) A connection that does not hear a probe within
/// `2 × staleAfter` of its commit is closed and opened again, as is a lost one, after `retryDelay`.
struct PostgresChangeListener: Sendable {
    let database: PostgresRegistryDatabase
    let channel: String
    let feed: RegistryChangeFeed
    let logger: Logger
    var confirmEvery: Duration = .seconds(2)
    var staleAfter: Duration = .seconds(5)
    var retryDelay: Duration = .seconds(1)

    /// How its connection shows in `pg_stat_activity`.
    static let applicationName = "pylambda serve: registry changes"
    static let probePrefix = "probe:"

    /// Listens until cancelled; the feed is `lost()` whenever it is not listening. A failure is
    /// logged once until listening works again.
    func run() async {
        defer { feed.lost() }
        var quiet = false
        while !Task.isCancelled {
            do {
                let connection = try await database.connectOutsideThePool(as: Self.applicationName)
                defer { feed.lost() }
                do {
                    try await listen(on: connection) { quiet = false }
                    try? await connection.close()
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch where !Task.isCancelled {
                if !quiet {
                    logger.warning(
                        "not listening for registry changes (\(database.registryError(for: error))); calls read the latest version and keys from the registry until it is back")
                }
                quiet = true
            } catch {}
            try? await Task.sleep(for: retryDelay)
        }
    }

    private struct ListenEnded: Error, CustomStringConvertible {
        var description: String
    }

    private func listen(on connection: PostgresConnection, listening: () -> Void) async throws {
        let probes = Probes()
        // A query waiting on a dead network is not cancelled with its task: closing the connection
        // ends it.
        try await withTaskCancellationHandler {
            try await connection.listen(on: channel) { notifications in
                // Cancelled while LISTEN was on its way: `onCancel` has closed the connection, and a
                // stream registered after the close is never finished, so waiting on it would never
                // end (and the store's `run()` with it).
                try Task.checkCancellation()
                listening()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in notifications {
                            if !notification.payload.hasPrefix(Self.probePrefix) {
                                feed.changed()
                            } else if let sent = probes.answered(notification.payload) {
                                feed.confirmed(until: sent + staleAfter)
                            }
                            // Another process's probe: nothing changed.
                        }
                        throw ListenEnded(description: "the connection stopped delivering notifications")
                    }
                    group.addTask {
                        while true {
                            let payload = probes.send()
                            // Through the pool, not on the listening connection: a query written to
                            // a connection as it closes is never answered (postgres-nio drops the
                            // write), and would hold this group, and the store's `run()`, for ever.
                            // Notifications arrive in commit order whichever session sends them.
                            _ = try await database.client.query("SELECT 1 FROM pg_notify(\(channel), \(payload))", logger: logger).collect()
                            probes.committed(payload)
                            try await Task.sleep(for: confirmEvery)
                        }
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: confirmEvery)
                            if probes.silence > staleAfter * 2 {
                                throw ListenEnded(description: "its probes did not come back for \(probes.silence)")
                            }
                        }
                    }
                    // The first to end (an error, the stream's end, cancellation) ends the others.
                    defer { group.cancelAll() }
                    do {
                        try await group.next()
                    } catch {
                        Self.closeNow(connection)
                        throw error
                    }
                }
            }
        } onCancel: {
            Self.closeNow(connection)
        }
    }

    /// Closes the connection without waiting: what is waiting on it fails at once.
    private static func closeNow(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        _ = closed
    }

    /// The probes sent and not yet back, by payload.
    private final class Probes: Sendable {
        private struct Probe {
            /// Before its NOTIFY was sent: what a mark's lifetime counts from (the safe side).
            var sent: ContinuousClock.Instant
            /// When its NOTIFY committed; nil while it waits for a pool connection.
            var committed: ContinuousClock.Instant?
        }

        private let outstanding = Mutex([String: Probe]())
        private let prefix = PostgresChangeListener.probePrefix + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ":"
        private let counter = Atomic<UInt64>(0)

        /// A new probe's payload.
        func send() -> String {
            let payload = prefix + String(counter.add(1, ordering: .relaxed).newValue)
            outstanding.withLock { outstanding in
                // Probes that never came back are forgotten after a while.
                if outstanding.count >= 16 { outstanding.removeAll() }
                outstanding[payload] = Probe(sent: .now)
            }
            return payload
        }

        func committed(_ payload: String) {
            outstanding.withLock { $0[payload]?.committed = .now }
        }

        /// When the probe with this payload was sent, if it is one of ours.
        func answered(_ payload: String) -> ContinuousClock.Instant? {
            outstanding.withLock { $0.removeValue(forKey: payload)?.sent }
        }

        /// How long the oldest probe whose NOTIFY committed has gone unheard (zero when none has):
        /// a probe still waiting for a connection of a busy pool says nothing about the listening
        /// one, and must not get it closed.
        var silence: Duration {
            let oldest = outstanding.withLock { $0.values.compactMap(\.committed).min() }
            return oldest.map { ContinuousClock.now - $0 } ?? .zero
        }
    }
}
