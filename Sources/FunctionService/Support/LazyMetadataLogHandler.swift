import Logging

/// swift-log's `StreamLogHandler`, with its metadata formatted when a message is logged rather than
/// whenever the metadata changes.
///
/// Hummingbird gives every request's logger its request id: with `StreamLogHandler` that alone
/// formatted a string per request (a few percent of serve's CPU per call), for messages that are
/// almost never logged at the default level. The output is the same.
struct LazyMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        stream = StreamLogHandler.standardError(label: label)
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // What the statement gives wins over the logger's own, as in `StreamLogHandler`.
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { _, statement in statement } }
        stream.log(event: event)
    }
}
