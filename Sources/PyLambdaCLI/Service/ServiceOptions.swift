import ArgumentParser
import Dispatcher
import FunctionService

#if canImport(Glibc)
import Glibc
#endif

/// Where the service is and which key to use, for the commands that talk to `pylambda serve`.
struct ServiceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The service (default: $PYLAMBDA_SERVER, else http://127.0.0.1:8900).", valueName: "URL"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Where a local serve keeps admin.key, read when $PYLAMBDA_KEY is not set.", valueName: "DIR"))
    var state: String = ServiceConfiguration.defaultStateDirectory

    var url: String {
        server ?? getenv("PYLAMBDA_SERVER").map { String(cString: $0) } ?? "http://127.0.0.1:8900"
    }

    /// `$PYLAMBDA_KEY`, else the local serve's admin key.
    func key() throws -> String {
        if let key = getenv("PYLAMBDA_KEY").map({ String(cString: $0) }), !key.isEmpty { return key }
        if let key = AdminKey.read(stateDirectory: state) { return key }
        throw ServiceClientError.noKey(stateDirectory: state)
    }

    /// Runs `body` with a client; any failure is printed and becomes the exit code `pylambda run` uses.
    func withClient<T>(_ body: (ServiceClient) async throws -> T) async throws -> T {
        do {
            return try await ServiceClient.with(server: url, key: try key(), body)
        } catch let error as ServiceClientError {
            StandardError.print("error: \(error)")
            throw ExitCode(error.exitCode)
        }
    }
}
