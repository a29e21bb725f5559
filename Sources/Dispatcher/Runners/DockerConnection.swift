import DockerEngine
import Logging
import Synchronization

/// The dispatcher's one Docker client, connected on first use.
///
/// A dispatcher that only calls runners left warm by an earlier process (a warm `pylambda run`) never
/// needs the daemon, so it does not pay for connecting and negotiating. A failed connection is not
/// remembered: the next use tries again.
final class DockerConnection: Sendable {
    let socketPath: String?
    private let logger: Logger
    private let state = Mutex<State>(.idle)

    private enum State {
        case idle
        case connecting(Task<DockerClient, any Error>)
        case connected(DockerClient)
        case closed
    }

    init(socketPath: String?, logger: Logger) {
        self.socketPath = socketPath
        self.logger = logger
    }

    func client() async throws(DispatcherError) -> DockerClient {
        let task: Task<DockerClient, any Error> = try state.withLock { state throws(DispatcherError) in
            switch state {
            case .connected(let client):
                return Task { client }
            case .connecting(let task):
                return task
            case .closed:
                throw .shutDown
            case .idle:
                let socketPath = self.socketPath
                let logger = self.logger
                // Detached: a caller that gives up must not cut the connection short for the others.
                let task = Task.detached { try await DockerClient.connect(socketPath: socketPath, logger: logger) }
                state = .connecting(task)
                return task
            }
        }
        do {
            let client = try await task.value
            let keep = state.withLock { state -> Bool in
                switch state {
                case .connecting: state = .connected(client); return true
                case .connected: return true
                case .closed, .idle: return false
                }
            }
            if !keep {
                await client.shutdown()
                throw DispatcherError.shutDown
            }
            return client
        } catch let error as DispatcherError {
            throw error
        } catch {
            state.withLock { if case .connecting = $0 { $0 = .idle } }
            throw .docker((error as? DockerError) ?? .daemonUnreachable(socketPath: socketPath ?? "", reason: "\(error)"))
        }
    }

    /// The client if one is connected, without connecting.
    var connected: DockerClient? {
        state.withLock { if case .connected(let client) = $0 { return client } else { return nil } }
    }

    func shutdown() async {
        let previous = state.withLock { state -> State in
            let previous = state
            state = .closed
            return previous
        }
        switch previous {
        case .connected(let client): await client.shutdown()
        case .connecting(let task): if let client = try? await task.value { await client.shutdown() }
        case .idle, .closed: break
        }
    }
}
