/// Serve instances: heartbeats, and what happens to the calls of those that are gone.
extension SQLRegistry {
    func heartbeat(_ instance: InstanceIdentity) async throws(RegistryError) -> Bool {
        try await write { db in
            if try await db.first("UPDATE instances SET heartbeat_at = {now} WHERE id = $1 RETURNING id", .text(instance.id)) != nil {
                return true
            }
            // Two first heartbeats of one instance at once (serve's start and its heartbeat loop):
            // one inserts, the other finds the row there and is not a failure.
            let inserted = try await db.first(
                "INSERT INTO instances (id, hostname, process_id, started_at, heartbeat_at) VALUES ($1, $2, $3, {now}, {now}) ON CONFLICT (id) DO NOTHING RETURNING id",
                .text(instance.id), .text(instance.hostname), .integer(Int64(instance.processID)))
            return inserted == nil
        }
    }

    func instances() async throws(RegistryError) -> [InstanceRecord] {
        let rows = try await read { db in
            try await db.query("SELECT \(RecordColumns.instance) FROM instances ORDER BY started_at, id")
        }
        var instances: [InstanceRecord] = []
        for row in rows { instances.append(try RecordColumns.instance(row)) }
        return instances
    }

    func interruptRunningOfGoneInstances(staleAfter: Duration) async throws(RegistryError) -> Int {
        let seconds = staleAfter.seconds
        guard seconds.isFinite, seconds > 0 else {
            throw .invalidInput("staleAfter must be more than zero, not \(staleAfter)")
        }
        let cutoff = dialect.now(minusSeconds: "$1")
        let message = "the serve instance running this call stopped (no heartbeat for more than \(seconds) s) before it finished; it was not run again"
        return try await write { db in
            // Gone: an instance whose last heartbeat is older than the cutoff, or one that never sent
            // any and whose call started before the cutoff. A live instance's calls are never touched.
            let interrupted = try await db.query(
                """
                UPDATE invocations SET status = 'interrupted', finished_at = {now}, error_type = $2, error_message = $3
                WHERE status = 'running'
                  AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = invocations.instance AND i.heartbeat_at >= \(cutoff))
                  AND (started_at < \(cutoff) OR EXISTS (SELECT 1 FROM instances i WHERE i.id = invocations.instance))
                RETURNING seq
                """, .double(seconds), .text(InvocationError.interruptedType), .text(message))
            // Claimed by a gone instance but never started: queued again, for any instance. (Should a
            // live one still hold such a claim, its `startClaimed` fails and it does not run the call.)
            try await db.query(
                """
                UPDATE invocations SET instance = NULL
                WHERE status = 'queued' AND instance IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = invocations.instance AND i.heartbeat_at >= \(cutoff))
                  AND (created_at < \(cutoff) OR EXISTS (SELECT 1 FROM instances i WHERE i.id = invocations.instance))
                """, .double(seconds))
            try await db.query("DELETE FROM instances WHERE heartbeat_at < \(cutoff)", .double(seconds))
            return interrupted.count
        }
    }

    func declareInstanceGone(id: String) async throws(RegistryError) -> Int {
        let message = "the serve instance running this call (\(id)) stopped before it finished; it was not run again"
        return try await write { db in
            try await db.query("DELETE FROM instances WHERE id = $1", .text(id))
            try await db.query("UPDATE invocations SET instance = NULL WHERE status = 'queued' AND instance = $1", .text(id))
            return try await db.query(
                """
                UPDATE invocations SET status = 'interrupted', finished_at = {now}, error_type = $2, error_message = $3
                WHERE status = 'running' AND instance = $1 RETURNING seq
                """, .text(id), .text(InvocationError.interruptedType), .text(message)
            ).count
        }
    }
}
