// The proof of concept's FastAPI integration example (`/greet`), as a Hummingbird app on the
// Dispatcher library: the web app stays a trusted process, and the greeting is user-style Python that
// runs in a hardened container, warm after the first call.
//
//   swift run GreetService [--port 8000]          (needs Docker and pylambda-runner:latest: make image)
//   curl '127.0.0.1:8000/greet?name=Ada'         {"greeting":"Hello, Ada!","length":3}
//
// The dispatcher is one more Service of the application: it starts with the server and, on SIGTERM or
// SIGINT, finishes calls in flight and removes its containers.
import Dispatcher
import Foundation
import Hummingbird

struct Greeting: Codable, ResponseEncodable {
    var greeting: String
    var length: Int
}

let port = CommandLine.arguments.firstIndex(of: "--port").flatMap { index in
    CommandLine.arguments.indices.contains(index + 1) ? Int(CommandLine.arguments[index + 1]) : nil
} ?? 8000

// The function ships next to this file, embedded in the binary at build time.
let source = String(decoding: PackageResources.greet_py, as: UTF8.self)

var configuration = DispatcherConfiguration()
configuration.warmPoolSize = 0
let dispatcher = try Dispatcher(configuration: configuration)
// Made once: its source is hashed once, and every call finds the same warm container.
let greet = FunctionDefinition(source: source, configuration: .init(timeout: .seconds(5)))

let router = Router()
router.get("/greet") { request, _ -> Greeting in
    let name = request.uri.queryParameters.get("name") ?? "world"
    do {
        let result = try await dispatcher.invoke(greet, payload: Array(try JSONEncoder().encode(["name": name])))
        return try JSONDecoder().decode(Greeting.self, from: Data(result.json))
    } catch let error as DispatcherError {
        throw HTTPError(.badGateway, message: "the greeting function failed: \(error)")
    }
}
router.get("/healthz") { _, _ in "ok" }

let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: [dispatcher])
try await app.runService()
