import ArgumentParser
import Dispatcher

#if canImport(Glibc)
import Glibc
#endif

struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the containers pylambda manages: code hash, state, age, idle time.",
        discussion: """
            CODE is the start of the SHA-256 of the function's source (`pool` for a warm runner that has no code yet). LIFETIME `shared` containers were left warm by `pylambda run` for the next process; `owned` ones belong to a running dispatcher and go away with it. IDLE is the time since the last call.
            """
    )

    @Flag(name: .long, help: "Print full container ids and code hashes.")
    var noTrunc = false

    func run() async throws {
        let docker = try await DockerConnection.open()
        let containers = try await DockerConnection.managedContainers(docker)
        try? await docker.shutdown()
        if containers.isEmpty {
            print("no managed containers")
            return
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var rows = [["NAME", "CODE", "LIFETIME", "STATE", "AGE", "IDLE", "OWNER PID"]]
        for container in containers.sorted(by: { $0.Created < $1.Created }) {
            let labels = container.Labels ?? [:]
            let directory = labels[ContainerLabel.socketDirectory] ?? ""
            var hash = labels[ContainerLabel.codeHash] ?? ""
            if hash.isEmpty { hash = readFirstLine(directory + "/code-sha256") ?? "pool" }
            let idle = secondsSinceModified(directory + "/lock").map { DurationText.format(seconds: $0) } ?? "-"
            let owner = (labels[ContainerLabel.owner] ?? "").split(separator: "/", omittingEmptySubsequences: false)
            rows.append([
                container.name,
                noTrunc || hash == "pool" ? hash : String(hash.prefix(12)),
                labels[ContainerLabel.lifetime] ?? "?",
                container.State,
                DurationText.format(seconds: Double(Int64(now.tv_sec) - container.Created)),
                container.State == "running" ? idle : "-",
                owner.count > 1 ? String(owner[1]) : "?",
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let line = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }.joined()
            print(line)
        }
    }

    private func readFirstLine(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    private func secondsSinceModified(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec - info.st_mtim.tv_sec)
    }
}
