import ArgumentParser
import Dispatcher
import FunctionService

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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

    /// The service's base URL: `http://` or `https://`, a host, a port that is one, and no more.
    func serverURL() throws(ServiceOptionsError) -> String {
        let text = url
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = parts.host, !host.isEmpty
        else {
            throw .badServer(text, "it must be http://HOST[:PORT]")
        }
        // Not echoed: it would print the password.
        guard parts.user == nil, parts.password == nil else { throw .credentialsInServer }
        // The port as written: URLComponents traps on one that does not fit an Int.
        let authority = text.dropFirst(scheme.count + 3).prefix { $0 != "/" }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else { throw .badServer(text, "its port must be from 1 to 65535") }
        }
        guard ["", "/"].contains(parts.percentEncodedPath), parts.query == nil, parts.fragment == nil else {
            throw .badServer(text, "give the service's address only, without a path or query")
        }
        return text
    }

    /// `$PYLAMBDA_KEY`, else the local serve's admin key.
    func key() throws -> String {
        if let key = getenv("PYLAMBDA_KEY").map({ String(cString: $0) }), !key.isEmpty {
            // Not shown: it is a secret, and may be one that works elsewhere.
            guard key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw ServiceOptionsError.unusableKey }
            return key
        }
        if let key = AdminKey.read(stateDirectory: state) { return key }
        throw ServiceClientError.noKey(stateDirectory: state)
    }

    /// A name or id that goes into a path: an empty one would make `//`, which routes elsewhere.
    static func requireNonEmpty(_ value: String?, _ what: String) throws {
        if value?.isEmpty == true { throw ValidationError("\(what) is empty.") }
    }

    /// `--server` and the key, checked before anything else is read or sent.
    func check() throws {
        try Self.exitingOnFailure {
            _ = try serverURL()
            _ = try key()
        }
    }

    /// Runs `body` with a client; any failure is printed and becomes the exit code `pylambda run` uses.
    func withClient<T>(_ body: (ServiceClient) async throws -> T) async throws -> T {
        do {
            return try await ServiceClient.with(server: try serverURL(), key: try key(), body)
        } catch {
            throw Self.exit(for: error)
        }
    }

    private static func exitingOnFailure(_ body: () throws -> Void) throws {
        do { try body() } catch { throw exit(for: error) }
    }

    /// The client's own failures, printed, as the exit status they stand for; any other error as it is.
    private static func exit(for error: any Error) -> any Error {
        switch error {
        case let error as ServiceClientError:
            StandardError.print("error: \(error)")
            return ExitCode(error.exitCode)
        case let error as ServiceOptionsError:
            StandardError.print("error: \(error)")
            return ExitCode(error.exitCode)
        default:
            return error
        }
    }
}

/// `--server` or `$PYLAMBDA_KEY` that no request could be made with.
enum ServiceOptionsError: Error, CustomStringConvertible {
    case badServer(String, String)
    case credentialsInServer
    case unusableKey

    var description: String {
        switch self {
        case .badServer(let url, let why): "--server (or PYLAMBDA_SERVER) \(String(reflecting: url)) cannot be used: \(why), as http://127.0.0.1:8900"
        case .credentialsInServer: "--server (or PYLAMBDA_SERVER) has a user or password in it: give http://HOST[:PORT], and the key in PYLAMBDA_KEY"
        case .unusableKey: "PYLAMBDA_KEY has characters no key has (spaces or control characters): check how it was set"
        }
    }

    /// A usage error (64), as ArgumentParser's; a key that cannot be one is refused as an unknown key is (3).
    var exitCode: Int32 {
        switch self {
        case .badServer, .credentialsInServer: 64
        case .unusableKey: 3
        }
    }
}
