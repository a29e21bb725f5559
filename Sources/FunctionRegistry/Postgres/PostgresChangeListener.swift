import Logging
import PostgresNIO

/// Hears the changes other processes make to a shared registry (`NOTIFY` on the schema's channel,
/// see `SQLRegistry.announceChange`) and passes them to a `RegistryChangeFeed`, on a connection of
/// its own. It asks the server `SELECT 1` every `confirmEvery`: each answer lets the feed hand out
/// marks for `staleAfter` more, so a connection that died without a word (a network partition)
/// stops the caching within that time. A lost connection is opened again after `retryDelay`.
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

    private struct NotificationsEnded: Error, CustomStringConvertible {
        var description: String { "the connection stopped delivering notifications" }
    }

    private func listen(on connection: PostgresConnection, listening: () -> Void) async throws {
        try await connection.listen(on: channel) { notifications in
            listening()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in notifications { feed.changed() }
                    throw NotificationsEnded()
                }
                group.addTask {
                    while true {
                        let asked = ContinuousClock.now
                        _ = try await connection.query("SELECT 1", logger: logger).collect()
                        feed.confirmed(until: asked + staleAfter)
                        try await Task.sleep(for: confirmEvery)
                    }
                }
                // The first to end (an error, the stream's end, cancellation) ends both.
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }
}
