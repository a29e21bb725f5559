import Hummingbird

/// Counts every answer by route (the path template, not the path, so names do not explode the
/// label set) and status.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.httpRequest(route: context.endpointPath ?? "unmatched", status: Int(response.status.code))
            return response
        } catch let error as any HTTPResponseError {
            // A 405 matched no route (Hummingbird names it NotFound), but its path is one of the
            // service's: counted under its template.
            let route = error.status == .methodNotAllowed ? MethodNotAllowed.template(for: request.uri.path) : nil
            metrics.httpRequest(route: route ?? context.endpointPath ?? "unmatched", status: Int(error.status.code))
            throw error
        }
    }
}
