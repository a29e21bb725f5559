import ServiceLifecycle

/// The registry of `pylambda serve`: functions and their immutable versions, keys, invocation records
/// and the durable async queue. Everything a user gives (code, packages, async inputs) is written here
/// before it is acknowledged, so nothing lives only in a process's memory.
///
/// A store is a `Service`: `init` is cheap, `run()` opens the database, migrates its schema and serves
/// calls until graceful shutdown or cancellation. Calls made before `run()` has migrated wait for it;
/// calls after it ended throw `shutDown`. In a `ServiceGroup`, list the store before the services that
/// use it, so that it shuts down after them. One-shot tools use `withRunning(_:)`.
///
/// Two implementations: `SQLiteFunctionStore` (default, one file in the state directory) and
/// `PostgresFunctionStore` (several serve processes sharing one registry and one queue).
public protocol FunctionStore: Service, Sendable {
    /// Returns once `run()` has opened and migrated the database; throws why it could not, or
    /// `shutDown` once `run()` has ended.
    func waitUntilReady() async throws(RegistryError)

    /// Whether what was read from this registry may still be served from a cache (a function's latest
    /// version, a verified key), given what other processes may have changed since.
    var changes: RegistryChangeFeed { get }

    // MARK: Functions and versions

    /// Deploys: creates the function if no live one has this name, and adds the next version (1, 2,
    /// 3, ...) in one transaction. Concurrent deploys of one name each get their own number.
    func createVersion(of name: String, _ version: NewFunctionVersion) async throws(RegistryError) -> CreatedVersion
    /// The live function with its latest version and its invocation counts by status.
    func function(named name: String) async throws(RegistryError) -> FunctionRecord
    /// Live functions in name order, `limit` at most, after `marker` (a name) when given.
    func listFunctions(limit: Int, after marker: String?) async throws(RegistryError) -> FunctionPage
    /// Newest first.
    func versions(of name: String, publishedOnly: Bool) async throws(RegistryError) -> [FunctionVersion]
    /// The version `number`, or the latest one when nil: what a new call runs.
    func version(of name: String, number: Int?) async throws(RegistryError) -> FunctionVersion
    /// The version's code, checked against its SHA-256. `versionNotFound` once its function is deleted.
    func code(of version: FunctionVersion) async throws(RegistryError) -> FunctionCode
    /// Marks the latest version published (Lambda's PublishVersion) and returns it.
    func publishLatestVersion(of name: String) async throws(RegistryError) -> FunctionVersion
    /// Lambda's DeleteFunction of one version: version `number` is no longer published, so that no
    /// qualifier finds it. Its code stays (a call in flight or queued on it still runs). False if it
    /// was not published.
    func unpublishVersion(of name: String, number: Int) async throws(RegistryError) -> Bool
    /// Deletes the function and its versions' code, and cancels its queued async calls. Invocation
    /// records stay readable by id. Calls already running finish (their code is loaded already;
    /// one claimed but not yet loaded finds `versionNotFound`).
    func deleteFunction(named name: String) async throws(RegistryError) -> DeletedFunction

    // MARK: Invocations

    /// Writes records of sync calls, many at once: a record without an outcome as `running`, one with
    /// an outcome as final (inserted, or replacing its `running` record). A record that is no longer
    /// running (say, marked interrupted because its instance stopped heartbeating) is left as it is.
    /// Serve writes these behind the calls, in batches, so that no call waits for the database.
    func recordSyncInvocations(_ records: [SyncInvocationRecord]) async throws(RegistryError)
    /// Queues an async call with its input; it runs at most once, on whichever instance claims it.
    /// `pinned`: the call named its version instead of asking for the latest (`ClaimedInvocation.pinned`).
    func enqueueAsync(of version: FunctionVersion, input: [UInt8], pinned: Bool) async throws(RegistryError) -> Invocation
    /// Takes the oldest unclaimed queued call (of a function not in `excludingFunctions`, by id) for
    /// `instance`, atomically: no two claims, in this process or another, get the same call. The
    /// call stays `queued` while it waits for a runner: a delete still cancels it, and a stop
    /// leaves it queued. `startClaimed` makes it `running`.
    func claimNextQueued(for instance: InstanceIdentity, excludingFunctions: Set<Int64>) async throws(RegistryError) -> ClaimedInvocation?
    /// Marks a call `instance` claimed as running, from now, just before it is sent to its runner:
    /// false if it is no longer its to run (cancelled by a delete, or its claim released). Written
    /// before the call is sent, so that a call that may have run is never queued again.
    func startClaimed(id: String, by instance: InstanceIdentity) async throws(RegistryError) -> Bool
    /// Puts a call `instance` claimed back in the queue, for any instance, when it knows it never
    /// sent it: claimed, or `running` by a `startClaimed` whose answer was lost. (Serve is stopping,
    /// the registry could not be asked, or a runner could not be had.) Never for a call that may
    /// have been sent: that would run it twice.
    func releaseClaim(id: String, by instance: InstanceIdentity) async throws(RegistryError)
    /// Gives back every claim of `instance` but those it `keeps` (the calls it is working on): a claim
    /// it lost track of (its answer was lost, or a release failed) would otherwise wait for as long
    /// as the instance lives. Returns how many.
    func releaseClaims(by instance: InstanceIdentity, keeping: Set<String>) async throws(RegistryError) -> Int
    /// Records how a running call ended. `conflict` if it is no longer running (say, it was marked
    /// interrupted because its instance stopped heartbeating).
    func finishRunning(id: String, outcome: InvocationOutcome) async throws(RegistryError) -> Invocation
    /// Records how a call `instance` claimed ended without starting (it could not get a runner).
    /// `conflict` if it is no longer that instance's claim.
    func finishClaimed(id: String, by instance: InstanceIdentity, outcome: InvocationOutcome) async throws(RegistryError) -> Invocation
    func invocation(id: String) async throws(RegistryError) -> Invocation
    /// The calls of the live function of this name, newest first: the latest `limit`, or the
    /// `limit` before `marker` (a page's `nextMarker`).
    func invocations(of name: String, limit: Int, before marker: String?) async throws(RegistryError) -> InvocationPage
    /// Queued async calls, all functions.
    func queueDepth() async throws(RegistryError) -> Int
    /// Cancels the function's queued async calls; returns how many.
    func cancelQueued(of name: String) async throws(RegistryError) -> Int
    /// Deletes the records of calls that ended (not queued, not running) more than `age` ago, among
    /// the oldest `limit` such records; returns how many it deleted. Only the
    /// oldest are looked at, so a round costs the same however large the table is: call it again
    /// while it deletes `limit`.
    func deleteInvocations(olderThan age: Duration, limit: Int) async throws(RegistryError) -> Int

    // MARK: Instances

    /// Registers the instance or renews its heartbeat. False when the registry did not know it: its
    /// first heartbeat, or another process declared it gone (and interrupted its running calls).
    /// Send one before recording or claiming calls, then well within `staleAfter`; `InstanceHeartbeat`
    /// does this, and the cleanup below, as a service.
    func heartbeat(_ instance: InstanceIdentity) async throws(RegistryError) -> Bool
    func instances() async throws(RegistryError) -> [InstanceRecord]
    /// Marks `interrupted` the running calls of instances without a heartbeat for `staleAfter` (and
    /// of unknown instances, for calls started that long ago), puts their claimed, unstarted calls
    /// back in the queue (judged by when the call was queued: a claim has no time of its own), and
    /// forgets those instances. The calls of live instances are never touched. Returns how many
    /// calls it interrupted.
    func interruptRunningOfGoneInstances(staleAfter: Duration) async throws(RegistryError) -> Int
    /// Forgets the instance, marks its running calls `interrupted` now and puts its unstarted claims
    /// back in the queue: at the end of a graceful shutdown for its own calls that did not finish, or
    /// when its process is known dead (same host, no such pid). Returns how many calls it interrupted.
    func declareInstanceGone(id: String) async throws(RegistryError) -> Int

    // MARK: Keys

    func createBearerKey(_ key: NewBearerKey) async throws(RegistryError) -> BearerKey
    /// The active key with this secret hash, or nil (unknown or revoked). Confirm with
    /// `BearerKey.matches(secret:)`, which compares in constant time.
    func bearerKey(secretSHA256: String) async throws(RegistryError) -> BearerKey?
    /// All keys, revoked ones included, oldest first.
    func bearerKeys() async throws(RegistryError) -> [BearerKey]
    func revokeBearerKey(named name: String) async throws(RegistryError) -> BearerKey
    func createAWSAccessKey(_ key: NewAWSAccessKey) async throws(RegistryError) -> AWSAccessKey
    /// The active key with this access key id, or nil.
    func awsAccessKey(id: String) async throws(RegistryError) -> AWSAccessKey?
    func awsAccessKeys() async throws(RegistryError) -> [AWSAccessKey]
    func revokeAWSAccessKey(id: String) async throws(RegistryError) -> AWSAccessKey
}

extension FunctionStore {
    /// A call of the latest version, queued.
    public func enqueueAsync(of version: FunctionVersion, input: [UInt8]) async throws(RegistryError) -> Invocation {
        try await enqueueAsync(of: version, input: input, pinned: false)
    }

    public func versions(of name: String) async throws(RegistryError) -> [FunctionVersion] {
        try await versions(of: name, publishedOnly: false)
    }

    /// The latest `limit` calls of the live function of this name, newest first.
    public func latestInvocations(of name: String, limit: Int) async throws(RegistryError) -> [Invocation] {
        try await invocations(of: name, limit: limit, before: nil).invocations
    }

    public func claimNextQueued(for instance: InstanceIdentity) async throws(RegistryError) -> ClaimedInvocation? {
        try await claimNextQueued(for: instance, excludingFunctions: [])
    }

    /// Runs the store around `body` and stops it afterwards: for one-shot tools and tests (serve runs
    /// the store as a `Service`). Throws the store's start failure if it cannot start.
    public func withRunning<Result: Sendable>(_ body: (Self) async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await self.run() }
            do {
                try await waitUntilReady()
                let result = try await body(self)
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
