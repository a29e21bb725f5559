import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Set by the signal handler, so that the call it broke does not report a dead runner.
final class Interruption: Sendable {
    let signal = Atomic<Int32>(0)
}

/// Runs `handler` on the first of `signals`, replacing the default "die at once" so that the
/// container of the interrupted call is removed first.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) async -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Task { await handler(number) }
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
