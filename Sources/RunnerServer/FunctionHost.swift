import EmbeddedPython
import NIOCore
import RunnerProtocol
import Synchronization

/// A runner's loaded function: the Swift face of the support module's `FunctionHost`.
///
/// Every call is a job on the shared `PythonInterpreter`, so calls run one at a time, in arrival
/// order, and each carries its own deadline.
public final class FunctionHost: Sendable {
    private let interpreter: PythonInterpreter
    private let slot = HostSlot()
    private let loaded = Atomic<Bool>(false)

    /// The result of a successful `/run`: the JSON bytes of the return value.
    public struct Invocation: Sendable {
        public var payload: ByteBuffer
        /// Base64 of the invocation's last 4 KiB of output, when asked for.
        public var logTail: String?
    }

    /// Returns at once: CPython starts, and the support module loads, on the interpreter thread while
    /// the HTTP server binds (half of a cold start otherwise). The first job queued does it, so every
    /// later load or run finds it done.
    public init(interpreter: PythonInterpreter = .shared, maxOutputBytes: Int) {
        self.interpreter = interpreter
        let slot = self.slot
        interpreter.submit { python in
            do {
                let module: PythonObject
                do {
                    module = try python.importModule(RunnerSupportModule.name)
                } catch {
                    module = try python.makeModule(
                        named: RunnerSupportModule.name,
                        source: RunnerSupportModule.source,
                        filename: RunnerSupportModule.filename
                    )
                }
                let host = try module.attribute("FunctionHost").call(python.deadlineExceededType, python.int(maxOutputBytes))
                slot.host = .success(HostSlot.Methods(load: try host.attribute("load"), run: try host.attribute("run")))
            } catch {
                slot.host = .failure(error)
            }
        }
    }

    /// Waits until the interpreter and the support module are ready; throws what stopped them.
    public func waitUntilReady() async throws {
        let slot = self.slot
        _ = try await interpreter.perform { _ in try slot.methods() }
    }

    /// Whether a function is loaded. Answered without waiting for the interpreter, so that a health
    /// check stays fast while an invocation runs.
    public var isLoaded: Bool { loaded.load(ordering: .relaxed) }

    /// Runs `{"code": ...}` as a fresh module. Throws `FunctionError` or `PythonInterpreterError`.
    public func load(body: ByteBuffer, timeout: Duration) async throws -> LoadResponse {
        let slot = self.slot
        let outcome: FunctionOutcome
        do {
            outcome = try await interpreter.perform(timeout: timeout) { python in
                let load = try slot.methods().load
                let result = try body.withUnsafeReadableBytes { try load.call(python.bytes($0)) }
                return try FunctionOutcome(result)
            }
        } catch {
            // The support module unloads before it runs new code: a load cut short leaves nothing.
            loaded.store(false, ordering: .relaxed)
            throw error
        }
        switch outcome {
        case .loaded(let digest, let reused):
            loaded.store(true, ordering: .relaxed)
            return LoadResponse(codeSHA256: digest, reused: reused)
        case .failed(let error):
            loaded.store(false, ordering: .relaxed)
            throw error
        case .ran:
            throw FunctionError.internal("load answered like a run")
        }
    }

    /// Calls `entrypoint(data)` with the JSON `body`. Throws `FunctionError` or `PythonInterpreterError`.
    public func run(body: ByteBuffer, timeout: Duration, logTail: Bool) async throws -> Invocation {
        let slot = self.slot
        let outcome = try await interpreter.perform(timeout: timeout) { python in
            let run = try slot.methods().run
            let result = try body.withUnsafeReadableBytes {
                try run.call(python.bytes($0), python.bool(logTail))
            }
            return try FunctionOutcome(result)
        }
        switch outcome {
        case .ran(let invocation):
            return invocation
        case .failed(let error):
            throw error
        case .loaded:
            throw FunctionError.internal("run answered like a load")
        }
    }
}

/// The support module's `FunctionHost` object. Written and read only by interpreter jobs, which run one
/// at a time on one thread: that is its synchronisation.
private final class HostSlot: @unchecked Sendable {
    /// Its bound methods, looked up once rather than on every request.
    struct Methods {
        var load: PythonObject
        var run: PythonObject
    }

    var host: Result<Methods, any Error>?

    func methods() throws -> Methods {
        guard let host else { throw FunctionError.internal("the support module was not set up") }
        return try host.get()
    }
}

/// The support module's answer, copied out of Python on the interpreter thread.
private enum FunctionOutcome: Sendable {
    case loaded(digest: String, reused: Bool)
    case ran(FunctionHost.Invocation)
    case failed(FunctionError)

    init(_ result: PythonObject) throws {
        guard let items = result.tupleItems, let tag = items.first?.string else {
            throw FunctionError.internal("the support module answered a \(result.typeName)")
        }
        switch (tag, items.count) {
        case ("loaded", 3):
            self = .loaded(digest: items[1].string ?? "", reused: items[2].isTrue)
        case ("ok", 3):
            let payload = items[1].withBytes { bytes in
                var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                return buffer
            }
            guard let payload else { throw FunctionError.internal("the result was not encoded to bytes") }
            self = .ran(.init(payload: payload, logTail: items[2].string))
        case ("error", 6):
            let kind = items[1].string.flatMap(FunctionError.Kind.init(rawValue:)) ?? .user
            self = .failed(
                FunctionError(
                    kind: kind,
                    type: items[2].string ?? "Exception",
                    message: items[3].string ?? "",
                    traceback: items[4].stringList ?? [],
                    logTail: items[5].string
                )
            )
        default:
            throw FunctionError.internal("the support module answered \(tag) with \(items.count) items")
        }
    }
}
