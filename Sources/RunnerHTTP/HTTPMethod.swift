/// A request's method. The runner routes on GET, HEAD and POST; the others matter only for a 405.
public enum HTTPMethod: Equatable, Sendable {
    case get, head, post, put, delete, patch, options, trace, connect
    /// Any other token.
    case other
}
