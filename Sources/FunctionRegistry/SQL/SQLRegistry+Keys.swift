/// Bearer keys (hashed) and AWS access keys (secret kept, for SigV4).
extension SQLRegistry {
    func createBearerKey(_ key: NewBearerKey) async throws(RegistryError) -> BearerKey {
        try KeyName.validate(key.name)
        guard BearerKeySecret.isSHA256Hex(key.secretSHA256) else {
            throw .invalidInput("secretSHA256 must be 64 lower-case hex digits (BearerKeySecret.sha256Hex)")
        }
        try validation.checkFunctionName(ofKey: key.functionName, scope: key.scope)
        return try await write { db in
            try await db.refuseActiveKey(named: key.name)
            if try await db.first("SELECT id FROM api_keys WHERE secret_sha256 = $1", .text(key.secretSHA256)) != nil {
                throw RegistryError.conflict("this secret is already used by another key; generate a new one")
            }
            guard let row = try await db.first(
                """
                INSERT INTO api_keys (name, secret_sha256, scope, function_name, created_at) VALUES ($1, $2, $3, $4, {now})
                RETURNING \(RecordColumns.bearerKey)
                """, .text(key.name), .text(key.secretSHA256), .text(key.scope.rawValue), .optional(key.functionName))
            else { throw RegistryError.corruptRecord("the new key \(key.name) was not returned") }
            return try RecordColumns.bearerKey(row)
        }
    }

    /// Only active keys: a revoked key finds nothing, exactly like an unknown one.
    func bearerKey(secretSHA256: String) async throws(RegistryError) -> BearerKey? {
        guard BearerKeySecret.isSHA256Hex(secretSHA256) else { return nil }
        let row = try await read { db in
            try await db.first(
                "SELECT \(RecordColumns.bearerKey) FROM api_keys WHERE secret_sha256 = $1 AND revoked_at IS NULL", .text(secretSHA256))
        }
        return try row.map { row throws(RegistryError) in try RecordColumns.bearerKey(row) }
    }

    func bearerKeys() async throws(RegistryError) -> [BearerKey] {
        let rows = try await read { db in try await db.query("SELECT \(RecordColumns.bearerKey) FROM api_keys ORDER BY id") }
        var keys: [BearerKey] = []
        for row in rows { keys.append(try RecordColumns.bearerKey(row)) }
        return keys
    }

    func revokeBearerKey(named name: String) async throws(RegistryError) -> BearerKey {
        let row = try await write { db in
            let row = try await db.first(
                "UPDATE api_keys SET revoked_at = {now} WHERE name = $1 AND revoked_at IS NULL RETURNING \(RecordColumns.bearerKey)",
                .text(name))
            // Other processes may have this key verified in their caches.
            if row != nil { try await announceChange(in: db) }
            return row
        }
        guard let row else { throw .keyNotFound(name) }
        return try RecordColumns.bearerKey(row)
    }

    func createAWSAccessKey(_ key: NewAWSAccessKey) async throws(RegistryError) -> AWSAccessKey {
        try KeyName.validate(key.name)
        try NewAWSAccessKey.validate(key)
        try validation.checkFunctionName(ofKey: key.functionName, scope: key.scope)
        return try await write { db in
            if try await db.first("SELECT access_key_id FROM aws_access_keys WHERE access_key_id = $1", .text(key.accessKeyID)) != nil {
                throw RegistryError.conflict("the access key id \(key.accessKeyID) exists; generate a new one")
            }
            try await db.refuseActiveKey(named: key.name)
            guard let row = try await db.first(
                """
                INSERT INTO aws_access_keys (access_key_id, secret_access_key, name, scope, function_name, created_at)
                VALUES ($1, $2, $3, $4, $5, {now}) RETURNING \(RecordColumns.awsAccessKey)
                """,
                .text(key.accessKeyID), .text(key.secretAccessKey), .text(key.name), .text(key.scope.rawValue),
                .optional(key.functionName))
            else { throw RegistryError.corruptRecord("the new access key \(key.accessKeyID) was not returned") }
            return try RecordColumns.awsAccessKey(row)
        }
    }

    /// Only active keys, as for bearer keys.
    func awsAccessKey(id: String) async throws(RegistryError) -> AWSAccessKey? {
        let row = try await read { db in
            try await db.first(
                "SELECT \(RecordColumns.awsAccessKey) FROM aws_access_keys WHERE access_key_id = $1 AND revoked_at IS NULL", .text(id))
        }
        return try row.map { row throws(RegistryError) in try RecordColumns.awsAccessKey(row) }
    }

    func awsAccessKeys() async throws(RegistryError) -> [AWSAccessKey] {
        let rows = try await read { db in
            try await db.query("SELECT \(RecordColumns.awsAccessKey) FROM aws_access_keys ORDER BY created_at, access_key_id")
        }
        var keys: [AWSAccessKey] = []
        for row in rows { keys.append(try RecordColumns.awsAccessKey(row)) }
        return keys
    }

    func revokeAWSAccessKey(id: String) async throws(RegistryError) -> AWSAccessKey {
        let row = try await writeStatement { db in
            try await db.first(
                "UPDATE aws_access_keys SET revoked_at = {now} WHERE access_key_id = $1 AND revoked_at IS NULL RETURNING \(RecordColumns.awsAccessKey)",
                .text(id))
        }
        guard let row else { throw .keyNotFound(id) }
        return try RecordColumns.awsAccessKey(row)
    }
}

extension SQLExecutor {
    /// Bearer and AWS keys share one namespace of active names: a name is what `pylambda keys revoke`
    /// and `DELETE /v1/keys/{name}` revoke, so it must name one key.
    func refuseActiveKey(named name: String) async throws {
        let taken = try await first(
            """
            SELECT 1 FROM api_keys WHERE name = $1 AND revoked_at IS NULL
            UNION ALL SELECT 1 FROM aws_access_keys WHERE name = $1 AND revoked_at IS NULL
            """, .text(name))
        if taken != nil { throw RegistryError.conflict("a key named \(name) exists; revoke it first or choose another name") }
    }
}
