import ArgumentParser
import Dispatcher

#if canImport(Glibc)
import Glibc
#endif

struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the runners pylambda manages: code hash, state, age, idle time.",
        discussion: """
            CODE is the start of the code's hash: the SHA-256 of a source file, or a package's digest (`pool` for a warm runner that has no code yet). LIFETIME `shared` runners were left warm by `pylambda run` for the next process; `owned` ones belong to a running dispatcher and go away with it. IDLE is the time since the last call. What is listed comes from the state directory's own records (pylambda run's, or a serve's with --state); containers that only carry pylambda's labels are counted separately as foreign.
            """
    )

    @OptionGroup var state: StateDirectoryOption

    @Flag(name: .long, help: "Print full container ids and code hashes.")
    var noTrunc = false

    func run() async throws {
        try await DockerConnection.withManagedRunners(in: state.path) { runners in try await run(with: runners) }
    }

    private func run(with runners: ManagedRunners) async throws {
        let list: [ManagedRunner]
        let foreign: Int
        do {
            list = try await runners.list()
            foreign = try await runners.foreignContainers().count
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCode(3)
        }
        if list.isEmpty {
            print("no managed runners")
        } else {
            printTable(list)
        }
        if foreign > 0 {
            StandardError.print("\(foreign) other container\(foreign == 1 ? "" : "s") carry pylambda's labels but are not recorded here (another state directory's, or not pylambda's); `pylambda gc --foreign` removes them")
        }
    }

    private func printTable(_ list: [ManagedRunner]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var rows = [["NAME", "CODE", "LIFETIME", "STATE", "AGE", "IDLE", "OWNER PID"]]
        for runner in list.sorted(by: { $0.created < $1.created }) {
            let hash = runner.codeHash ?? "pool"
            rows.append([
                runner.name,
                noTrunc || hash == "pool" ? hash : String(hash.prefix(12)),
                runner.lifetime.rawValue,
                runner.state,
                DurationText.format(seconds: Double(Int64(now.tv_sec) - runner.created)),
                runner.state == "running" ? runner.idleSeconds.map { DurationText.format(seconds: $0) } ?? "-" : "-",
                runner.ownerPID.map(String.init) ?? "?",
            ])
        }
        Table.print(rows)
    }
}
