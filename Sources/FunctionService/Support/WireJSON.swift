import FunctionRegistry
import NIOCore
import ServiceProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON out, the one way every route writes it.
enum WireJSON {
    static func buffer(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data(#"{"detail":"service fault: unencodable answer","error":{"type":"InternalError","message":"","traceback":[]}}"#.utf8))
    }

    /// RFC 3339 with milliseconds, UTC.
    static func timestamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}

extension FunctionVersion {
    var body: FunctionVersionBody {
        FunctionVersionBody(
            name: functionName, version: version, codeSHA256: codeSHA256, codeSize: codeSize, kind: kind.rawValue,
            handler: handler, memoryMB: settings.memoryMB, timeoutSeconds: settings.timeoutSeconds,
            concurrency: settings.concurrency, environment: settings.environment.keys.sorted(),
            runtime: settings.runtime.rawValue, dependencySet: dependencySetKey, description: description,
            createdAt: WireJSON.timestamp(createdAt))
    }
}

extension FunctionRecord {
    var body: FunctionBody {
        FunctionBody(
            name: name, createdAt: WireJSON.timestamp(createdAt), latest: latest.body, versions: versionCount,
            invocations: invocationCounts.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) })
    }
}

extension Invocation {
    var body: InvocationBody {
        InvocationBody(
            id: id, function: functionName, version: version, mode: mode.rawValue, status: status.rawValue,
            createdAt: WireJSON.timestamp(createdAt), startedAt: startedAt.map(WireJSON.timestamp),
            finishedAt: finishedAt.map(WireJSON.timestamp), durationMS: durationMS,
            error: error.map { .init(type: $0.type, message: $0.message) }, logTail: logTail, result: nil,
            instance: instance)
    }

    /// The record as JSON, with an async call's result spliced in as the function returned it (not
    /// decoded and re-encoded, which could change its numbers or key order).
    var encodedBody: ByteBuffer {
        var buffer = WireJSON.buffer(body)
        guard let result, !result.isEmpty, buffer.readableBytes > 2 else { return buffer }
        buffer.moveWriterIndex(to: buffer.writerIndex - 1)  // the closing brace
        buffer.writeString(#","result":"#)
        buffer.writeBytes(result)
        buffer.writeString("}")
        return buffer
    }
}
