import Synchronization

/// A fixed set of connections lent out one caller at a time, first come first served. SQLite
/// connections are not shared between tasks: a transaction is a property of the connection, so two
/// tasks on one connection would run inside each other's transactions.
final class LeasePool<Resource: Sendable>: Sendable {
    private struct State {
        var free: [Resource]
        var waiters: [CheckedContinuation<Resource, Never>] = []
    }

    private let state: Mutex<State>
    private let count: Int

    init(_ resources: [Resource]) {
        precondition(!resources.isEmpty, "a lease pool needs at least one resource")
        state = Mutex(State(free: resources))
        count = resources.count
    }

    /// Waits until every resource is back and keeps them: for closing, once no new lease can start.
    func takeAll() async -> [Resource] {
        var resources: [Resource] = []
        for _ in 0..<count { resources.append(await acquire()) }
        return resources
    }

    /// Runs `body` with a resource of its own. Waiting is not cancellable: every holder's work is
    /// bounded (SQLite's busy timeout bounds each statement), so the wait is too.
    func withLease<Result>(_ body: (Resource) async throws -> Result) async rethrows -> Result {
        let resource = await acquire()
        defer { release(resource) }
        return try await body(resource)
    }

    private func acquire() async -> Resource {
        if let resource = state.withLock({ $0.free.popLast() }) { return resource }
        return await withCheckedContinuation { continuation in
            let resource: Resource? = state.withLock { state in
                if let resource = state.free.popLast() { return resource }
                state.waiters.append(continuation)
                return nil
            }
            if let resource { continuation.resume(returning: resource) }
        }
    }

    private func release(_ resource: Resource) {
        let waiter: CheckedContinuation<Resource, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free.append(resource)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: resource)
    }
}
