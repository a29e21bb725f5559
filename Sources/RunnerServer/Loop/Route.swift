import RunnerHTTP
import RunnerProtocol

/// Which endpoint a request is for.
enum Route {
    case health
    case load
    case run
    /// A known path with the wrong method: the path, and what it takes.
    case methodNotAllowed(path: StaticString, allowed: StaticString)
    case notFound

    init(_ head: HTTPRequestHead, bytes: UnsafeRawPointer) {
        let path = UnsafeRawBufferPointer(start: bytes + head.path.offset, count: head.path.count)
        func matches(_ expected: StaticString) -> Bool {
            path.count == expected.utf8CodeUnitCount && path.elementsEqual(UnsafeRawBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount))
        }
        switch head.method {
        case .post where matches("/run"): self = .run
        case .post where matches("/load"): self = .load
        case .get where path.isEmpty || matches("/") || matches("/healthz"),
             .head where path.isEmpty || matches("/") || matches("/healthz"):
            self = .health
        default:
            if matches("/run") {
                self = .methodNotAllowed(path: "/run", allowed: "POST")
            } else if matches("/load") {
                self = .methodNotAllowed(path: "/load", allowed: "POST")
            } else if matches("/healthz") || matches("/") || path.isEmpty {
                self = .methodNotAllowed(path: "/healthz", allowed: "GET, HEAD")
            } else {
                self = .notFound
            }
        }
    }
}
