import EmbeddedPython
import Logging
import PosixThreads
import RunnerProtocol

/// The runner's function, as the interpreter thread sees it: the Swift face of the support module's
/// `FunctionHost`. Made and used only on the interpreter thread (it holds Python objects).
final class FunctionHost {
    private let load: PythonObject
    private let run: PythonObject
    private let unload: PythonObject
    private let tail: PythonObject

    /// `ownsProcess`: see `RunnerConfiguration.ownsProcess`.
    init(_ python: borrowing Python, maxOutputBytes: Int, codeCache: String?, ownsProcess: Bool = false, logger: Logger) throws(PythonException) {
        let module = try RunnerSupportModule.load(python, codeCache: codeCache, logger: logger)
        let host = try module.attribute("FunctionHost").call(python.deadlineExceededType, try python.int(maxOutputBytes))
        if ownsProcess {
            _ = try host.attribute("own_process").call()
            let hide = try host.attribute("hide_environment_variable")
            for name in RunnerEnvironment.settings { _ = try hide.call(try python.string(name)) }
        }
        load = try host.attribute("load")
        run = try host.attribute("run")
        unload = try host.attribute("unload")
        tail = try host.attribute("tail")
        // The first load's one-time work, done before the runner listens: new code sent to a runner
        // waiting in the warm pool loads in about 1 ms instead of 4. A cold start costs the same (the
        // work only moves ahead of its /load). A failure here is only a slower first load.
        do {
            _ = try host.attribute("warm_up").call()
        } catch {
            logger.debug("warming up the load path failed: \(error)")
        }
    }

    enum LoadOutcome {
        /// The response body.
        case loaded(json: [UInt8])
        case failed(FunctionError)
        case deadlineExceeded
    }

    /// Loads what the /load body asks for.
    func load(body: UnsafeRawBufferPointer, _ python: borrowing Python) -> LoadOutcome {
        let result: PythonObject
        do {
            result = try load.call(try python.bytes(body))
        } catch {
            return error.isDeadlineExceeded ? .deadlineExceeded : .failed(.internal("load failed: \(error)"))
        }
        guard let count = result.tupleCount, count >= 2, let tag = result.tupleItem(0).string else {
            return .failed(.internal("the support module answered a load with a \(result.typeName)"))
        }
        if tag == "loaded", let json = result.tupleItem(1).withUTF8({ Array($0) }) {
            return .loaded(json: json)
        }
        return .failed(FunctionError(errorTuple: result))
    }

    /// An invocation's answer. Noncopyable: a result is the Python string itself, written to the
    /// socket from its own memory, then released.
    enum RunOutcome: ~Copyable {
        /// The result's JSON text (a `str`).
        case result(PythonObject, logTail: String?)
        case failed(FunctionError)
        case deadlineExceeded
    }

    /// Calls the handler with the JSON `body`.
    func run(
        body: UnsafeRawBufferPointer,
        wantsLogTail: Bool,
        invocationID: UnsafeRawBufferPointer?,
        deadline: MonotonicInstant,
        _ python: borrowing Python
    ) -> RunOutcome {
        let result: PythonObject
        do {
            // A str straight from the request's bytes (one copy); bytes only when they are not UTF-8,
            // so that the support module reports the decoding error.
            let text: PythonObject
            do {
                text = try python.string(utf8: body)
            } catch {
                text = try python.bytes(body)
            }
            let identifier = if let invocationID { try python.string(lossy: invocationID) } else { python.none }
            result = try run.call(text, python.bool(wantsLogTail), identifier, try python.int(deadline.nanoseconds))
        } catch {
            return error.isDeadlineExceeded ? .deadlineExceeded : .failed(.internal("the call failed: \(error)"))
        }
        if result.isExactString { return .result(result, logTail: nil) }
        guard let count = result.tupleCount, count >= 3, let tag = result.tupleItem(0).string else {
            return .failed(.internal("the support module answered a run with a \(result.typeName)"))
        }
        if tag == "ok" {
            return .result(result.tupleItem(1), logTail: result.tupleItem(2).string)
        }
        return .failed(FunctionError(errorTuple: result))
    }

    /// What the current (or last) invocation printed, its last 4 KiB in base64; nil if it cannot be
    /// had.
    func logTail(_ python: borrowing Python) -> String? {
        (try? tail.call())?.string
    }

    /// Forgets the function and undoes its load's changes to the process (sys.path, environment,
    /// modules): for a runner that ends while the process (a test suite) goes on.
    func unload(_ python: borrowing Python) {
        _ = try? unload.call()
    }
}

extension FunctionError {
    /// From the support module's ("error", kind, type, message, traceback lines, tail) tuple.
    init(errorTuple result: borrowing PythonObject) {
        guard let count = result.tupleCount, count == 6 else {
            self = .internal("the support module answered an error with a \(result.typeName)")
            return
        }
        self.init(
            kind: result.tupleItem(1).string.flatMap(Kind.init(rawValue:)) ?? .user,
            type: result.tupleItem(2).string ?? "Exception",
            message: result.tupleItem(3).string ?? "",
            traceback: result.tupleItem(4).stringList ?? [],
            logTail: result.tupleItem(5).string
        )
    }
}
