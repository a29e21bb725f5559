import Crypto

/// Functions and their versions.
extension SQLRegistry {
    func createVersion(of name: String, _ new: NewFunctionVersion) async throws(RegistryError) -> CreatedVersion {
        try FunctionName.validate(name)
        try validation.check(new)
        let code = new.code.bytes
        let digest = Hex.encode(SHA256.hash(data: code))
        let environment = try Environment.encode(new.settings.environment)
        // A delete that lands between our two statements leaves nothing to add a version to; then the
        // next attempt creates the function anew.
        for _ in 0..<3 {
            let created: CreatedVersion? = try await write { db in
                let inserted = try await db.first(
                    """
                    INSERT INTO functions (name, created_at, latest_version) VALUES ($1, {now}, 0)
                    ON CONFLICT (name) WHERE deleted_at IS NULL DO NOTHING RETURNING id
                    """, .text(name))
                if new.createsFunction && inserted == nil {
                    throw RegistryError.conflict("a function named \(name) already exists")
                }
                // The row lock taken here orders concurrent deploys of one function: each gets the
                // next number, none is lost or repeated.
                guard let function = try await db.first(
                    "UPDATE functions SET latest_version = latest_version + 1 WHERE name = $1 AND deleted_at IS NULL RETURNING id, latest_version",
                    .text(name))
                else { return nil }
                let functionID = try function.int64(0)
                let version = try function.int(1)
                try await db.query(
                    """
                    INSERT INTO function_versions (function_id, version, created_at, code_sha256, code_size, kind, handler,
                        dependency_set_key, requirements, memory_mb, timeout_s, concurrency, environment, runtime, description, published)
                    VALUES ($1, $2, {now}, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                    """,
                    .integer(functionID), .int(version), .text(digest), .int(code.count), .text(new.code.kind.rawValue),
                    .text(new.handler), .optional(new.dependencySetKey), .optional(new.requirements),
                    .int(new.settings.memoryMB), .double(new.settings.timeoutSeconds), .int(new.settings.concurrency),
                    .text(environment), .text(new.settings.runtime.rawValue), .text(new.description), .bool(false))
                try await db.query(
                    "INSERT INTO function_code (function_id, version, code) VALUES ($1, $2, $3)",
                    .integer(functionID), .int(version), .bytes(code))
                let stored = try await db.version(functionID: functionID, number: version, name: name)
                try await announceChange(in: db)
                return CreatedVersion(version: stored, isNewFunction: inserted != nil)
            }
            if let created { return created }
        }
        throw .conflict("function \(name) was deleted again and again while it was being deployed; deploy again")
    }

    func function(named name: String) async throws(RegistryError) -> FunctionRecord {
        try FunctionName.validate(name)
        return try await read { db in
            guard let row = try await db.first(
                "SELECT \(RecordColumns.function) \(Self.functionsWithLatest) WHERE f.name = $1 AND f.deleted_at IS NULL",
                .text(name))
            else { throw RegistryError.functionNotFound(name: name) }
            let counts = try await db.query(
                "SELECT status, COUNT(*) FROM invocations WHERE function_id = $1 GROUP BY status", .integer(try row.int64(0)))
            var byStatus: [InvocationStatus: Int] = [:]
            for count in counts {
                byStatus[try count.enumeration(0, InvocationStatus.self)] = try count.int(1)
            }
            return try RecordColumns.function(row, invocationCounts: byStatus)
        }
    }

    func listFunctions(limit: Int, after marker: String?) async throws(RegistryError) -> FunctionPage {
        try validation.checkLimit(limit)
        return try await read { db in
            // One more than asked tells whether there is a next page.
            let rows = try await db.query(
                "SELECT \(RecordColumns.function) \(Self.functionsWithLatest) WHERE f.deleted_at IS NULL AND f.name > $1 ORDER BY f.name LIMIT $2",
                .text(marker ?? ""), .int(limit + 1))
            var functions: [FunctionRecord] = []
            for row in rows.prefix(limit) {
                functions.append(try RecordColumns.function(row, invocationCounts: nil))
            }
            return FunctionPage(functions: functions, nextMarker: rows.count > limit ? functions.last?.name : nil)
        }
    }

    func versions(of name: String, publishedOnly: Bool) async throws(RegistryError) -> [FunctionVersion] {
        try FunctionName.validate(name)
        return try await read { db in
            let function = try await db.liveFunction(named: name)
            let rows = try await db.query(
                "SELECT \(RecordColumns.version) \(Self.versionsWithFunction) WHERE v.function_id = $1\(publishedOnly ? " AND v.published = $2" : "") ORDER BY v.version DESC",
                publishedOnly ? [.integer(function.id), .bool(true)] : [.integer(function.id)])
            var versions: [FunctionVersion] = []
            for row in rows { versions.append(try RecordColumns.version(row)) }
            return versions
        }
    }

    func version(of name: String, number: Int?) async throws(RegistryError) -> FunctionVersion {
        try FunctionName.validate(name)
        // One statement on the hot path (every call resolves its version); the cause of a miss is
        // looked up only when there is one.
        return try await read { db in
            let which = number == nil ? "f.latest_version" : "$2"
            if let row = try await db.query(
                "SELECT \(RecordColumns.version) \(Self.versionsWithFunction) WHERE f.name = $1 AND f.deleted_at IS NULL AND v.version = \(which)",
                number.map { [.text(name), .int($0)] } ?? [.text(name)]
            ).first {
                return try RecordColumns.version(row)
            }
            _ = try await db.liveFunction(named: name)
            throw RegistryError.versionNotFound(function: name, version: number ?? 0)
        }
    }

    func code(of version: FunctionVersion) async throws(RegistryError) -> FunctionCode {
        let row = try await read { db in
            try await db.first(
                "SELECT code FROM function_code WHERE function_id = $1 AND version = $2",
                .integer(version.functionID), .int(version.version))
        }
        guard let row else { throw .versionNotFound(function: version.functionName, version: version.version) }
        let bytes = try row.bytes(0)
        // The hash is what callers key containers and caches by: code that no longer matches it must
        // not run under its name.
        guard Hex.encode(SHA256.hash(data: bytes)) == version.codeSHA256 else {
            throw .corruptRecord("the stored code of \(version.functionName) version \(version.version) does not match its SHA-256")
        }
        switch version.kind {
        case .source: return .source(String(decoding: bytes, as: UTF8.self))
        case .zipPackage: return .zipPackage(bytes)
        }
    }

    func publishLatestVersion(of name: String) async throws(RegistryError) -> FunctionVersion {
        try FunctionName.validate(name)
        return try await write { db in
            let function = try await db.liveFunction(named: name, lock: dialect.lockForShare)
            try await db.query(
                "UPDATE function_versions SET published = $1 WHERE function_id = $2 AND version = $3",
                .bool(true), .integer(function.id), .int(function.latestVersion))
            return try await db.version(functionID: function.id, number: function.latestVersion, name: name)
        }
    }

    func unpublishVersion(of name: String, number: Int) async throws(RegistryError) -> Bool {
        try FunctionName.validate(name)
        return try await write { db in
            let function = try await db.liveFunction(named: name, lock: dialect.lockForShare)
            let rows = try await db.query(
                "UPDATE function_versions SET published = $1 WHERE function_id = $2 AND version = $3 AND published = $4 RETURNING version",
                .bool(false), .integer(function.id), .int(number), .bool(true))
            return !rows.isEmpty
        }
    }

    func deleteFunction(named name: String) async throws(RegistryError) -> DeletedFunction {
        try FunctionName.validate(name)
        let message = "function \(name) was deleted before this call ran"
        return try await write { db in
            // Marking the row first makes a concurrent enqueue (which holds a share lock on it) finish
            // before, so that its call is among those cancelled below, or see the function gone.
            guard let row = try await db.first(
                "UPDATE functions SET deleted_at = {now} WHERE name = $1 AND deleted_at IS NULL RETURNING id", .text(name))
            else { throw RegistryError.functionNotFound(name: name) }
            let id = try row.int64(0)
            let cancelled = try await db.query(
                """
                UPDATE invocations SET status = 'cancelled', finished_at = {now}, error_type = $1, error_message = $2
                WHERE function_id = $3 AND status = 'queued' RETURNING seq
                """, .text(InvocationError.cancelledType), .text(message), .integer(id))
            // The code goes with the function (the cascade takes function_code); invocation records stay.
            try await db.query("DELETE FROM function_versions WHERE function_id = $1", .integer(id))
            try await announceChange(in: db)
            return DeletedFunction(name: name, id: id, cancelledInvocations: cancelled.count)
        }
    }

    static let functionsWithLatest =
        "FROM functions f JOIN function_versions v ON v.function_id = f.id AND v.version = f.latest_version"
    static let versionsWithFunction = "FROM function_versions v JOIN functions f ON f.id = v.function_id"
}

extension SQLExecutor {
    func version(functionID: Int64, number: Int, name: String) async throws -> FunctionVersion {
        guard let row = try await first(
            "SELECT \(RecordColumns.version) \(SQLRegistry.versionsWithFunction) WHERE v.function_id = $1 AND v.version = $2",
            .integer(functionID), .int(number))
        else { throw RegistryError.versionNotFound(function: name, version: number) }
        return try RecordColumns.version(row)
    }
}
