import Dispatcher
import FunctionRegistry
import Hummingbird
import NIOCore
import ServiceProtocol

/// Health (no key), Prometheus metrics and the OpenAPI document.
struct SystemRoutes {
    let store: any FunctionStore
    let dispatcher: Dispatcher
    let metrics: ServiceMetrics
    let ready: Flag

    func addPublic(to router: Router<ServiceRequestContext>) {
        router.get("/healthz") { _, _ in
            guard ready.isSet else {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "application/json", .retryAfter: "1"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"status":"starting"}"#)))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
    }

    func add(to router: RouterGroup<ServiceRequestContext>) {
        router.get("/metrics") { _, context -> Response in
            // They name every function and count its calls: not for a key of one function.
            guard context.caller?.mayUseEveryFunction == true else {
                throw ServiceHTTPError.forbidden("the metrics show every function; \(context.caller?.keyName ?? "this key") may use one only")
            }
            // Off the event loop: rendering grows with the functions (20 ms for a thousand).
            return await offLoop {
                let runners = dispatcher.runners()
                let busy = runners.count { $0.busy }
                metrics.sample(busyContainers: busy, idleContainers: runners.count - busy, queued: (try? await store.queueDepth()) ?? 0)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
    }
}
