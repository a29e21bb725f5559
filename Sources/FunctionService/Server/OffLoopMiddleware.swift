import HTTPTypes
import Hummingbird

/// Handles requests with a large body (or one of unknown length) on Swift's default executor, off
/// the connection's event loop: their handlers hash, decode and unpack the body, which would hold up
/// every other connection on that loop (`EventLoopTaskExecutor` says why handlers run there at all).
struct OffLoopMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies up to this size are handled on the loop: a call's JSON, a small deploy.
    var maxBytesOnLoop = 256 << 10

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard mayBeLarge(request) else { return try await next(request, context) }
        return try await offLoop { try await next(request, context) }
    }

    private func mayBeLarge(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] {
            return Int(length).map { $0 > maxBytesOnLoop } ?? true
        }
        // No length: no body, unless it is chunked.
        return request.headers[.transferEncoding] != nil
    }
}
