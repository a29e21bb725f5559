import AsyncHTTPClient
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension DockerClient {
    public func inspectImage(_ name: String) async throws(DockerError) -> ImageInspect {
        let (status, body) = try await send(.GET, "/images/\(UnixSocketURL.encode(name))/json")
        if status == 404 { throw .imageMissing(image: name) }
        guard status == 200 else { throw Self.daemonError(status: status, body: body) }
        return try decode(ImageInspect.self, body)
    }

    /// Builds from a tar build context, handing each line of build output to `progress` as it arrives.
    /// Returns the image id.
    public func buildImage(
        context: [UInt8], tag: String, dockerfile: String = "Dockerfile", target: String? = nil,
        buildArguments: [String: String] = [:], progress: @Sendable (String) -> Void
    ) async throws(DockerError) -> String? {
        var query = [("t", tag), ("dockerfile", dockerfile), ("rm", "true")]
        if let target { query.append(("target", target)) }
        if !buildArguments.isEmpty, let encoded = try? JSONEncoder().encode(buildArguments) {
            query.append(("buildargs", String(decoding: encoded, as: UTF8.self)))
        }
        var request = HTTPClientRequest(url: UnixSocketURL.make(socketPath: socketPath, path: versioned("/build", query: query)))
        request.headers.add(name: "Host", value: "docker")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-tar")
        request.body = .bytes(ByteBuffer(bytes: context))
        do {
            let response = try await http.execute(request, timeout: .minutes(30), logger: logger)
            if response.status.code != 200 {
                let body = try await response.body.collect(upTo: 1 << 20)
                throw Self.daemonError(status: Int(response.status.code), body: Array(buffer: body))
            }
            var pending: [UInt8] = []
            var imageID: String?
            var failure: String?
            for try await chunk in response.body {
                pending += Array(buffer: chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    guard !line.isEmpty, let decoded = try? JSONDecoder().decode(BuildStreamLine.self, from: Data(line))
                    else { continue }
                    if let text = decoded.stream ?? decoded.status { progress(text) }
                    if let id = decoded.aux?.id { imageID = id }
                    if let error = decoded.error { failure = error }
                }
            }
            if let failure { throw DockerError.buildFailed(message: failure) }
            return imageID
        } catch {
            throw Self.mapTransportError(error, socketPath: socketPath)
        }
    }
}
