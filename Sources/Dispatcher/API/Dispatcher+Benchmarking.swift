/// For `pylambda bench`: what the pool adds to a call is only measurable against the same runner
/// called without it.
@_spi(Benchmarking)
extension Dispatcher {
    /// Holds a warm runner of `function` while `body` runs; `call` sends it one payload directly,
    /// over the same HTTP client and socket, bypassing the pool.
    public func withLeasedRunner<T: Sendable>(
        _ function: FunctionDefinition,
        _ body: (_ call: @Sendable ([UInt8]) async throws -> [UInt8]) async throws -> T
    ) async throws -> T {
        let lease = try await pool.acquire(function)
        let client = runnerClient
        let call: @Sendable ([UInt8]) async throws -> [UInt8] = { payload in
            try await client.run(
                lease.runner, data: payload, timeoutHeader: function.timeoutHeader,
                transportTimeout: function.transportTimeout, logTail: false, invocationID: nil,
                maxResponseBytes: function.maxResponseBytes
            ).body
        }
        do {
            let result = try await body(call)
            pool.release(lease, healthy: true)
            return result
        } catch {
            pool.release(lease, healthy: false)
            throw error
        }
    }
}
