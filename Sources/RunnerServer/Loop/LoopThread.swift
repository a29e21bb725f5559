import RunnerHTTP

/// What one loop thread keeps for itself: its event batch and its response-head buffer.
struct LoopThread: ~Copyable {
    let role: RunnerLoop.Role
    var events = EventBatch()
    var head = HTTPResponseHead()

    init(role: RunnerLoop.Role) {
        self.role = role
    }
}
