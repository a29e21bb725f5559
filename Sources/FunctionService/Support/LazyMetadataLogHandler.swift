import Logging

/// swift-log's `StreamLogHandler`, with its metadata formatted when a message is logged rather than
/// whenever the metadata changes.
///
/// Hummingbird gives every request's logger its request id: with `StreamLogHandler` that alone
/// formatted a string per request (a few percent of serve's CPU per call), for messages that are
/// almost never logged at the default level. The output is the same.
struct LazyMetadataLogHandler: LogHandler {
    /// Given all of its metadata with each message, in the order `StreamLogHandler` merges them.
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) {
        stream = StreamLogHandler.standardError(label: label, metadataProvider: nil)
        metadataProvider = LoggingSystem.metadataProvider
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // The logger's own, then the provider's, then the statement's: each wins over the one before.
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { _, provided in provided } }
        if let statement = event.metadata, !statement.isEmpty { merged.merge(statement) { _, statement in statement } }
        event.metadata = merged.isEmpty ? nil : merged
        stream.log(event: event)
    }
}
