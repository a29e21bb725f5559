// libFuzzer target for RunnerHTTP's request decoder (see Fuzz/fuzz-http-decoder.sh, which compiles it
// into the RunnerHTTP module with the decoder's sources).
//
// The first input byte picks how the rest is split into reads; the rest is what a client sends. The
// decoder must answer every prefix with a request, a refusal or "more", never trap, never point
// outside the bytes it was given, and decode the same requests whether the bytes come whole or split.

private struct Outcome: Equatable {
    var requests: [[UInt8]] = []
    var failure: HTTPRequestError?
}

private func decode(_ data: [UInt8], split: Int, limits: HTTPLimits) -> Outcome {
    var decoder = HTTPRequestDecoder(limits: limits)
    var buffer: [UInt8] = []
    var outcome = Outcome()
    var offset = 0
    while offset < data.count {
        let end = split == 0 ? data.count : min(data.count, offset + split)
        buffer.append(contentsOf: data[offset..<end])
        offset = end
        decoding: while !buffer.isEmpty {
            var count = buffer.count
            let progress = buffer.withUnsafeMutableBytes { decoder.decode($0.baseAddress!, count: &count) }
            precondition(count <= buffer.count && count >= 0)
            buffer.removeLast(buffer.count - count)
            switch progress {
            case .needMore:
                break decoding
            case .failed(let error):
                outcome.failure = error
                return outcome
            case .complete(let request):
                precondition(request.length > 0 && request.length <= buffer.count)
                precondition(request.head.length <= request.length)
                precondition(request.body.offset >= request.head.length && request.body.offset + request.body.count <= request.length)
                precondition(request.head.path.offset + request.head.path.count <= request.head.length)
                precondition(request.body.count <= limits.maxBodyBytes)
                for field in [request.head.timeoutMilliseconds, request.head.logTail, request.head.invocationID] {
                    if let field { precondition(field.offset + field.count <= request.head.length) }
                }
                outcome.requests.append(Array(buffer[request.body.offset..<(request.body.offset + request.body.count)]))
                buffer.removeFirst(request.length)
            }
        }
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let split = Int(start[0] % 17)
    let data = Array(UnsafeBufferPointer(start: start + 1, count: size - 1))
    var limits = HTTPLimits()
    limits.maxHeadBytes = 512
    limits.maxBodyBytes = 1024
    limits.maxHeaderFields = 16
    limits.maxChunkLineBytes = 32
    limits.maxTrailerBytes = 128
    let whole = decode(data, split: 0, limits: limits)
    let pieces = decode(data, split: split, limits: limits)
    // Split reads may see a refusal later (a request split before its error shows) but never decode
    // different requests.
    let common = min(whole.requests.count, pieces.requests.count)
    precondition(Array(whole.requests[..<common]) == Array(pieces.requests[..<common]), "split reads decoded other requests")
    if whole.failure == nil && pieces.failure == nil {
        precondition(whole.requests == pieces.requests, "split reads decoded other requests")
    }
    return 0
}
