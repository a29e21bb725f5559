/// Whether `check` holds within `limit`, asked every 20 ms.
func eventually(within limit: Duration = .seconds(5), _ check: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await check() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(20))
    }
}
