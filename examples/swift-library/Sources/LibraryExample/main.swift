// The proof of concept's library examples, in Swift: the scoped form (its context manager), typed
// calls, parallel runs that show the container cache at work, and a function's error.
import Dispatcher

struct Fibonacci: Decodable {
    var n: Int
    var fibonacci: [Int]
}

let fibonacci = """
    def entrypoint(data):
        a, b, out = 0, 1, []
        for _ in range(data["n"]):
            out.append(a)
            a, b = b, a + b
        return {"n": data["n"], "fibonacci": out}
    """
let whoAmI = """
    import socket, time
    def entrypoint(data):
        time.sleep(0.2)
        return socket.gethostname()
    """

var configuration = DispatcherConfiguration()
configuration.warmPoolSize = 1

// The dispatcher runs while the closure does (it is a ServiceLifecycle Service; in a server, add it to
// your ServiceGroup instead). Every container started in here is removed when the closure returns, or
// throws.
try await Dispatcher.withDispatcher(configuration: configuration) { dispatcher in
    // Typed in, typed out.
    let result = try await dispatcher.invoke(code: fibonacci, input: ["n": 10], as: Fibonacci.self)
    print("fibonacci(10) =", result.fibonacci)

    // A function made once is hashed once: warm calls of it cost about a tenth of a millisecond.
    let function = FunctionDefinition(source: fibonacci, configuration: .init(timeout: .seconds(5)))
    let started = ContinuousClock.now
    _ = try await dispatcher.invoke(function, json: #"{"n": 20}"#)
    print("warm call took", ContinuousClock.now - started)

    // Four calls at once: the function scales out to one container per call in flight.
    let sleeper = FunctionDefinition(source: whoAmI)
    let hosts = try await withThrowingTaskGroup(of: String.self) { group in
        for _ in 0..<4 { group.addTask { try await dispatcher.invoke(sleeper, json: "null") } }
        var hosts = Set<String>()
        for try await host in group { hosts.insert(host) }
        return hosts
    }
    print("4 parallel calls ran in \(hosts.count) containers")
    for runner in dispatcher.runners() {
        print("  \(runner.name)  code \(runner.codeHash.map { String($0.prefix(12)) } ?? "(warm pool)")")
    }

    // A function's exception comes back typed, with its traceback.
    do {
        _ = try await dispatcher.invoke(code: "def entrypoint(data):\n    return 1 / 0\n", json: "{}")
    } catch DispatcherError.functionFailed(let type, let message, _, _) {
        print("the function raised \(type): \(message)")
    }
}

// One call, for scripts: starts, runs, cleans up.
print(try await Dispatcher.invoke(code: "def entrypoint(data):\n    return {'echo': data}\n", json: #"{"msg": "hello"}"#))
