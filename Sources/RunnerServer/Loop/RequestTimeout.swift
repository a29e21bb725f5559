/// A request's timeout: whole milliseconds, from its `X-Timeout-Ms` or the configuration. Kept as an
/// integer on the way through (deadlines are added in nanoseconds); a `Duration` only for messages.
struct RequestTimeout: Equatable {
    let milliseconds: Int

    var duration: Duration { .milliseconds(milliseconds) }
}
