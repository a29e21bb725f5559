#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The column lists the registry selects, and how a row of each becomes a record. Every query that
/// reads a record names exactly these columns, in this order, so positions are fixed.
enum RecordColumns {
    /// `v` is `function_versions`, `f` its `functions` row.
    static let version = """
        f.name, v.function_id, v.version, v.created_at, v.code_sha256, v.code_size, v.kind, v.handler, \
        v.dependency_set_key, v.requirements, v.memory_mb, v.timeout_s, v.concurrency, v.environment, \
        v.runtime, v.description, v.published
        """

    static func version(_ row: SQLRow, at offset: Int = 0) throws(RegistryError) -> FunctionVersion {
        let column = { (index: Int) in offset + index }
        let settings = FunctionSettings(
            memoryMB: try row.int(column(10)),
            timeoutSeconds: try row.double(column(11)),
            concurrency: try row.int(column(12)),
            environment: try Environment.decode(try row.text(column(13))),
            runtime: try row.enumeration(column(14), FunctionRuntime.self))
        return FunctionVersion(
            functionName: try row.text(column(0)), functionID: try row.int64(column(1)),
            version: try row.int(column(2)), createdAt: try row.date(column(3)),
            codeSHA256: try row.text(column(4)), codeSize: try row.int(column(5)),
            kind: try row.enumeration(column(6), FunctionCode.Kind.self), handler: try row.text(column(7)),
            dependencySetKey: try row.optionalText(column(8)), requirements: try row.optionalText(column(9)),
            settings: settings, description: try row.text(column(15)), published: try row.bool(column(16)))
    }

    /// `f.id, f.created_at, f.latest_version` then `version` of the latest version.
    static let function = "f.id, f.created_at, f.latest_version, " + version

    static func function(_ row: SQLRow, invocationCounts: [InvocationStatus: Int]?) throws(RegistryError) -> FunctionRecord {
        let latest = try version(row, at: 3)
        return FunctionRecord(
            name: latest.functionName, id: try row.int64(0), createdAt: try row.date(1), latest: latest,
            versionCount: try row.int(2), invocationCounts: invocationCounts)
    }

    static let invocation = """
        id, function_name, function_id, version, mode, status, created_at, started_at, finished_at, \
        duration_ms, error_type, error_message, log_tail, result, instance
        """

    static func invocation(_ row: SQLRow) throws(RegistryError) -> Invocation {
        let errorType = try row.optionalText(10)
        let error = try errorType.map { type throws(RegistryError) in
            InvocationError(type: type, message: try row.optionalText(11) ?? "")
        }
        return Invocation(
            id: try row.text(0), functionName: try row.text(1), functionID: try row.int64(2), version: try row.int(3),
            mode: try row.enumeration(4, InvocationMode.self), status: try row.enumeration(5, InvocationStatus.self),
            createdAt: try row.date(6), startedAt: try row.optionalDate(7), finishedAt: try row.optionalDate(8),
            durationMS: try row.optionalDouble(9), error: error, logTail: try row.optionalText(12),
            result: try row.optionalBytes(13), instance: try row.optionalText(14))
    }

    static let bearerKey = "id, name, secret_sha256, scope, function_name, created_at, revoked_at"

    static func bearerKey(_ row: SQLRow) throws(RegistryError) -> BearerKey {
        BearerKey(
            id: try row.int64(0), name: try row.text(1), secretSHA256: try row.text(2),
            scope: try row.enumeration(3, KeyScope.self), functionName: try row.optionalText(4),
            createdAt: try row.date(5), revokedAt: try row.optionalDate(6))
    }

    static let awsAccessKey = "access_key_id, secret_access_key, name, scope, function_name, created_at, revoked_at"

    static func awsAccessKey(_ row: SQLRow) throws(RegistryError) -> AWSAccessKey {
        AWSAccessKey(
            accessKeyID: try row.text(0), secretAccessKey: try row.text(1), name: try row.text(2),
            scope: try row.enumeration(3, KeyScope.self), functionName: try row.optionalText(4),
            createdAt: try row.date(5), revokedAt: try row.optionalDate(6))
    }

    static let instance = "id, hostname, process_id, started_at, heartbeat_at"

    static func instance(_ row: SQLRow) throws(RegistryError) -> InstanceRecord {
        InstanceRecord(
            identity: InstanceIdentity(id: try row.text(0), hostname: try row.text(1), processID: Int32(truncatingIfNeeded: try row.int64(2))),
            startedAt: try row.date(3), heartbeatAt: try row.date(4))
    }
}

/// A version's environment, stored as a JSON object of strings: `jsonb` would refuse `\u0000` and
/// reorder nothing useful, plain text keeps exactly what was given.
enum Environment {
    static func encode(_ environment: [String: String]) throws(RegistryError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(environment), as: UTF8.self)
        } catch {
            throw .invalidInput("the environment cannot be stored: \(error)")
        }
    }

    static func decode(_ text: String) throws(RegistryError) -> [String: String] {
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw .corruptRecord("a version's environment is not a JSON object of strings: \(error)")
        }
    }
}
