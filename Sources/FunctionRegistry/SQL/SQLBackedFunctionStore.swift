/// What both SQL stores share: every `FunctionStore` call goes to their `SQLRegistry`. They differ
/// only in how they open, migrate and close their database (their `run()`).
protocol SQLBackedFunctionStore: FunctionStore {
    var registry: SQLRegistry { get }
}

extension SQLBackedFunctionStore {
    public func waitUntilReady() async throws(RegistryError) {
        try await registry.gate.wait()
    }

    // The writes that change what caches hold (`RegistryChangeFeed`) make this process's marks stale
    // as they end, whatever the outcome: a read that began before the write must not be cached after
    // it. Other processes hear of them through the database (`SQLRegistry.announceChange`).

    public func createVersion(of name: String, _ version: NewFunctionVersion) async throws(RegistryError) -> CreatedVersion {
        defer { changes.changed() }
        return try await registry.createVersion(of: name, version)
    }

    public func function(named name: String) async throws(RegistryError) -> FunctionRecord {
        try await registry.function(named: name)
    }

    public func listFunctions(limit: Int, after marker: String?) async throws(RegistryError) -> FunctionPage {
        try await registry.listFunctions(limit: limit, after: marker)
    }

    public func versions(of name: String, publishedOnly: Bool) async throws(RegistryError) -> [FunctionVersion] {
        try await registry.versions(of: name, publishedOnly: publishedOnly)
    }

    public func version(of name: String, number: Int?) async throws(RegistryError) -> FunctionVersion {
        try await registry.version(of: name, number: number)
    }

    public func code(of version: FunctionVersion) async throws(RegistryError) -> FunctionCode {
        try await registry.code(of: version)
    }

    public func publishLatestVersion(of name: String) async throws(RegistryError) -> FunctionVersion {
        try await registry.publishLatestVersion(of: name)
    }

    public func unpublishVersion(of name: String, number: Int) async throws(RegistryError) -> Bool {
        try await registry.unpublishVersion(of: name, number: number)
    }

    public func deleteFunction(named name: String) async throws(RegistryError) -> DeletedFunction {
        defer { changes.changed() }
        return try await registry.deleteFunction(named: name)
    }

    public func recordSyncInvocations(_ records: [SyncInvocationRecord]) async throws(RegistryError) {
        try await registry.recordSyncInvocations(records)
    }

    public func enqueueAsync(of version: FunctionVersion, input: [UInt8], pinned: Bool) async throws(RegistryError) -> Invocation {
        try await registry.enqueueAsync(of: version, input: input, pinned: pinned)
    }

    public func claimNextQueued(for instance: InstanceIdentity, excludingFunctions: Set<Int64>) async throws(RegistryError) -> ClaimedInvocation? {
        try await registry.claimNextQueued(for: instance, excludingFunctions: excludingFunctions)
    }

    public func startClaimed(id: String, by instance: InstanceIdentity) async throws(RegistryError) -> Bool {
        try await registry.startClaimed(id: id, by: instance)
    }

    public func releaseClaim(id: String, by instance: InstanceIdentity) async throws(RegistryError) {
        try await registry.releaseClaim(id: id, by: instance)
    }

    public func releaseClaims(by instance: InstanceIdentity, keeping: Set<String>) async throws(RegistryError) -> Int {
        try await registry.releaseClaims(by: instance, keeping: keeping)
    }

    public func finishClaimed(id: String, by instance: InstanceIdentity, outcome: InvocationOutcome) async throws(RegistryError) -> Invocation {
        try await registry.finishClaimed(id: id, by: instance, outcome: outcome)
    }

    public func finishRunning(id: String, outcome: InvocationOutcome) async throws(RegistryError) -> Invocation {
        try await registry.finishRunning(id: id, outcome: outcome)
    }

    public func invocation(id: String) async throws(RegistryError) -> Invocation {
        try await registry.invocation(id: id)
    }

    public func invocations(of name: String, limit: Int, before marker: String?) async throws(RegistryError) -> InvocationPage {
        try await registry.invocations(of: name, limit: limit, before: marker)
    }

    public func queueDepth() async throws(RegistryError) -> Int {
        try await registry.queueDepth()
    }

    public func cancelQueued(of name: String) async throws(RegistryError) -> Int {
        try await registry.cancelQueued(of: name)
    }

    public func deleteInvocations(olderThan age: Duration, limit: Int) async throws(RegistryError) -> Int {
        try await registry.deleteInvocations(olderThan: age, limit: limit)
    }

    public func heartbeat(_ instance: InstanceIdentity) async throws(RegistryError) -> Bool {
        try await registry.heartbeat(instance)
    }

    public func instances() async throws(RegistryError) -> [InstanceRecord] {
        try await registry.instances()
    }

    public func interruptRunningOfGoneInstances(staleAfter: Duration) async throws(RegistryError) -> Int {
        try await registry.interruptRunningOfGoneInstances(staleAfter: staleAfter)
    }

    public func declareInstanceGone(id: String) async throws(RegistryError) -> Int {
        try await registry.declareInstanceGone(id: id)
    }

    public func createBearerKey(_ key: NewBearerKey) async throws(RegistryError) -> BearerKey {
        try await registry.createBearerKey(key)
    }

    public func bearerKey(secretSHA256: String) async throws(RegistryError) -> BearerKey? {
        try await registry.bearerKey(secretSHA256: secretSHA256)
    }

    public func bearerKeys() async throws(RegistryError) -> [BearerKey] {
        try await registry.bearerKeys()
    }

    public func revokeBearerKey(named name: String) async throws(RegistryError) -> BearerKey {
        defer { changes.changed() }
        return try await registry.revokeBearerKey(named: name)
    }

    public func createAWSAccessKey(_ key: NewAWSAccessKey) async throws(RegistryError) -> AWSAccessKey {
        try await registry.createAWSAccessKey(key)
    }

    public func awsAccessKey(id: String) async throws(RegistryError) -> AWSAccessKey? {
        try await registry.awsAccessKey(id: id)
    }

    public func awsAccessKeys() async throws(RegistryError) -> [AWSAccessKey] {
        try await registry.awsAccessKeys()
    }

    public func revokeAWSAccessKey(id: String) async throws(RegistryError) -> AWSAccessKey {
        try await registry.revokeAWSAccessKey(id: id)
    }
}
