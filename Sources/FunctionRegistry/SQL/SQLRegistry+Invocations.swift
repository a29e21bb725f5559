#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Invocation records and the durable async queue.
extension SQLRegistry {
    /// One statement for the whole batch: a call seen running is inserted as such; a final record is
    /// inserted, or replaces the running one, but never a record that is no longer running (a call
    /// marked interrupted stays so). Records must have distinct ids.
    func recordSyncInvocations(_ records: [SyncInvocationRecord]) async throws(RegistryError) {
        // Within both databases' limits on bound parameters.
        for start in stride(from: 0, to: records.count, by: Self.maxSyncRecordsPerStatement) {
            try await recordSyncInvocations(records[start..<min(records.count, start + Self.maxSyncRecordsPerStatement)])
        }
    }

    private func recordSyncInvocations(_ records: ArraySlice<SyncInvocationRecord>) async throws(RegistryError) {
        var binds: [SQLValue] = []
        var rows: [String] = []
        binds.reserveCapacity(records.count * Self.syncRecordColumns)
        for record in records {
            let outcome = record.outcome
            if let outcome { try validation.checkFinal(outcome) }
            let first = binds.count + 1
            rows.append("(" + (first..<(first + Self.syncRecordColumns)).map { "$\($0)" }.joined(separator: ", ") + ", 'sync')")
            binds += [
                .text(record.id), .integer(record.functionID), .text(record.functionName), .int(record.version),
                .text(outcome?.status.rawValue ?? InvocationStatus.running.rawValue),
                .timestamp(record.createdAt), .timestamp(record.startedAt),
                outcome == nil ? .null : .timestamp(record.finishedAt ?? record.startedAt),
                .optional(outcome?.durationMS),
                .optional(outcome?.error.map { validation.storableMessage($0.type, maxBytes: 256) }),
                .optional(outcome?.error.map { validation.storableMessage($0.message) }),
                .optional(validation.storableTail(outcome?.logTail)), .text(record.instance),
            ]
        }
        let sql = """
            INSERT INTO invocations (id, function_id, function_name, version, status, created_at, started_at, finished_at,
                duration_ms, error_type, error_message, log_tail, instance, mode)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                duration_ms = excluded.duration_ms, error_type = excluded.error_type, error_message = excluded.error_message,
                log_tail = excluded.log_tail
            WHERE invocations.status = 'running' AND invocations.mode = 'sync' AND excluded.status <> 'running'
            """
        _ = try await writeStatement { db in try await db.query(sql, binds) }
    }

    /// The bound values per row of `recordSyncInvocations`.
    static let syncRecordColumns = 13
    static let maxSyncRecordsPerStatement = 500

    func enqueueAsync(of version: FunctionVersion, input: [UInt8], pinned: Bool) async throws(RegistryError) -> Invocation {
        try validation.checkPayload(input, what: "the input")
        let id = Invocation.newID()
        return try await write { db in
            // The share lock keeps a delete from passing between this check and the insert: the delete
            // waits, then cancels this call along with the others.
            guard try await db.first(
                "SELECT id FROM functions WHERE id = $1 AND deleted_at IS NULL" + dialect.lockForShare, .integer(version.functionID)) != nil
            else { throw RegistryError.functionNotFound(name: version.functionName) }
            guard let row = try await db.first(
                """
                INSERT INTO invocations (id, function_id, function_name, version, mode, status, created_at, input, pinned)
                VALUES ($1, $2, $3, $4, 'async', 'queued', {now}, $5, $6) RETURNING \(RecordColumns.invocation)
                """,
                .text(id), .integer(version.functionID), .text(version.functionName), .int(version.version), .bytes(input), .bool(pinned))
            else { throw RegistryError.corruptRecord("the new invocation \(id) was not returned") }
            return try RecordColumns.invocation(row)
        }
    }

    func claimNextQueued(for instance: InstanceIdentity, excludingFunctions excluded: Set<Int64>) async throws(RegistryError) -> ClaimedInvocation? {
        var filter = ""
        var binds: [SQLValue] = [.text(instance.id)]
        if !excluded.isEmpty {
            filter = " AND function_id NOT IN (\(dialect.integers(inJSONArray: "$2")))"
            binds.append(.text("[" + excluded.sorted().map(String.init).joined(separator: ",") + "]"))
        }
        // Oldest unclaimed first. On PostgreSQL, SKIP LOCKED lets each process take a different row
        // without waiting; the UPDATE then names the instance, so no later claim can see it unclaimed.
        // The outer conditions are rechecked on the row's newest version after any lock wait: should
        // two claims ever pick one row, the second updates nothing. The call stays `queued` (it has
        // not started) until `startClaimed`.
        let sql = """
            UPDATE invocations SET instance = $1
            WHERE status = 'queued' AND instance IS NULL
              AND seq = (SELECT seq FROM invocations WHERE status = 'queued' AND instance IS NULL\(filter) ORDER BY seq LIMIT 1\(dialect.lockSkippingLocked))
            RETURNING \(RecordColumns.invocation), input, pinned
            """
        return try await writeStatement { db in
            guard let row = try await db.query(sql, binds).first else { return nil }
            return ClaimedInvocation(
                invocation: try RecordColumns.invocation(row), input: try row.optionalBytes(15) ?? [], pinned: try row.bool(16))
        }
    }

    func startClaimed(id: String, by instance: InstanceIdentity) async throws(RegistryError) -> Bool {
        try await writeStatement { db in
            try await db.query(
                """
                UPDATE invocations SET status = 'running', started_at = {now}
                WHERE id = $1 AND status = 'queued' AND instance = $2 RETURNING seq
                """, .text(id), .text(instance.id)
            ).first != nil
        }
    }

    func releaseClaims(by instance: InstanceIdentity, keeping kept: Set<String>) async throws(RegistryError) -> Int {
        var filter = ""
        var binds: [SQLValue] = [.text(instance.id)]
        if !kept.isEmpty {
            filter = " AND id NOT IN (\(dialect.texts(inJSONArray: "$2")))"
            guard let ids = try? JSONEncoder().encode(kept.sorted()) else { throw .invalidInput("claim ids that do not encode as JSON") }
            binds.append(.text(String(decoding: ids, as: UTF8.self)))
        }
        return try await writeStatement { db in
            try await db.query(
                "UPDATE invocations SET instance = NULL WHERE status = 'queued' AND instance = $1\(filter) RETURNING seq", binds
            ).count
        }
    }

    func releaseClaim(id: String, by instance: InstanceIdentity) async throws(RegistryError) {
        _ = try await writeStatement { db in
            try await db.query(
                """
                UPDATE invocations SET status = 'queued', instance = NULL, started_at = NULL
                WHERE id = $1 AND instance = $2 AND status IN ('queued', 'running') RETURNING seq
                """, .text(id), .text(instance.id))
        }
    }

    func finishRunning(id: String, outcome: InvocationOutcome) async throws(RegistryError) -> Invocation {
        try await finish(id: id, outcome: outcome, what: "running") { _ in "status = 'running'" }
    }

    func finishClaimed(id: String, by instance: InstanceIdentity, outcome: InvocationOutcome) async throws(RegistryError) -> Invocation {
        try await finish(id: id, outcome: outcome, what: "claimed by \(instance.id)", extra: [.text(instance.id)]) { "status = 'queued' AND instance = \($0[0])" }
    }

    /// Writes a call's outcome if the row is still as `condition` says; `condition` is given the
    /// placeholders of the `extra` values it binds.
    private func finish(
        id: String, outcome: InvocationOutcome, what: String, extra: [SQLValue] = [], where condition: ([String]) -> String
    ) async throws(RegistryError) -> Invocation {
        try validation.checkFinal(outcome)
        let outcomeBinds: [SQLValue] = [
            .text(id), .text(outcome.status.rawValue), .optional(outcome.durationMS),
            .optional(outcome.error.map { validation.storableMessage($0.type, maxBytes: 256) }),
            .optional(outcome.error.map { validation.storableMessage($0.message) }),
            .optional(validation.storableTail(outcome.logTail)), .optional(outcome.result),
        ]
        let placeholders = extra.indices.map { "$\(outcomeBinds.count + 1 + $0)" }
        let binds = outcomeBinds + extra
        let condition = condition(placeholders)
        let finished = try await writeStatement { db in
            try await db.query(
                """
                UPDATE invocations SET status = $2, finished_at = {now}, duration_ms = $3, error_type = $4, error_message = $5,
                    log_tail = $6, result = $7
                WHERE id = $1 AND \(condition) RETURNING \(RecordColumns.invocation)
                """, binds
            ).first
        }
        if let finished { return try RecordColumns.invocation(finished) }
        let current = try await invocation(id: id)
        throw .conflict(
            "invocation \(id) is \(current.status.rawValue), not \(what); its outcome (\(outcome.status.rawValue)) was not recorded")
    }

    func invocation(id: String) async throws(RegistryError) -> Invocation {
        let row = try await read { db in
            try await db.first("SELECT \(RecordColumns.invocation) FROM invocations WHERE id = $1", .text(id))
        }
        guard let row else { throw .invocationNotFound(id: id) }
        return try RecordColumns.invocation(row)
    }

    func invocations(of name: String, limit: Int, before marker: String?) async throws(RegistryError) -> InvocationPage {
        try FunctionName.validate(name)
        try validation.checkLimit(limit)
        let rows = try await read { db in
            let function = try await db.liveFunction(named: name)
            var older = ""
            var binds: [SQLValue] = [.integer(function.id), .int(limit + 1)]
            if let marker {
                guard let row = try await db.first("SELECT seq FROM invocations WHERE id = $1 AND function_id = $2", .text(marker), .integer(function.id))
                else {
                    throw RegistryError.invalidInput(
                        "the marker \(String(reflecting: marker)) is not an invocation of \(name) (pass next_marker as it was given; a record deleted since, by --keep-invocations, ends the pages: start again without a marker)")
                }
                older = " AND seq < $3"
                binds.append(.integer(try row.int64(0)))
            }
            // One more than asked for: whether there is a next page.
            return try await db.query(
                "SELECT \(RecordColumns.invocation) FROM invocations WHERE function_id = $1\(older) ORDER BY seq DESC LIMIT $2", binds)
        }
        var invocations: [Invocation] = []
        for row in rows.prefix(limit) { invocations.append(try RecordColumns.invocation(row)) }
        return InvocationPage(invocations: invocations, nextMarker: rows.count > limit ? invocations.last?.id : nil)
    }

    func queueDepth() async throws(RegistryError) -> Int {
        let row = try await read { db in try await db.first("SELECT COUNT(*) FROM invocations WHERE status = 'queued'") }
        return try row?.int(0) ?? 0
    }

    func cancelQueued(of name: String) async throws(RegistryError) -> Int {
        try FunctionName.validate(name)
        return try await write { db in
            let function = try await db.liveFunction(named: name)
            return try await db.query(
                """
                UPDATE invocations SET status = 'cancelled', finished_at = {now}, error_type = $1, error_message = $2
                WHERE function_id = $3 AND status = 'queued' RETURNING seq
                """,
                .text(InvocationError.cancelledType), .text("the queued calls of \(name) were cancelled before this one ran"),
                .integer(function.id)
            ).count
        }
    }

    func deleteInvocations(olderThan age: Duration, limit: Int) async throws(RegistryError) -> Int {
        let seconds = age.seconds
        guard seconds.isFinite, seconds > 0, limit > 0 else {
            throw .invalidInput("deleteInvocations needs an age over zero and a limit over zero, not \(age) and \(limit)")
        }
        // The oldest ended records by `seq` (the primary key), then those of them that ended before
        // the cutoff (an async call's result is kept that long after it is there, however long the
        // call waited or ran): the scan stops after `limit` ended rows, whatever the table holds.
        return try await write { db in
            try await db.query(
                """
                DELETE FROM invocations WHERE seq IN (
                    SELECT seq FROM (
                        SELECT seq, COALESCE(finished_at, created_at) AS ended_at FROM invocations
                        WHERE status NOT IN ('queued', 'running') ORDER BY seq LIMIT $2
                    ) AS oldest
                    WHERE ended_at < \(dialect.now(minusSeconds: "$1"))
                ) RETURNING seq
                """, .double(seconds), .integer(Int64(limit))
            ).count
        }
    }
}
