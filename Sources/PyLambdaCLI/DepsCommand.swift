import ArgumentParser
import FunctionPackages

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deps",
        abstract: "List installed dependency sets, and remove the unused ones.",
        discussion: """
            A dependency set is a requirements.txt installed as wheels for the runner, once, and shared by every function with the same requirements. Removing one is always safe: the next function that needs it installs it again (pylambda serve rebuilds it from the requirements its registry keeps).
              pylambda deps ls
              pylambda deps gc --unused-for 7d
              pylambda deps ls --state /var/lib/pylambda    # the sets of a pylambda serve
            """,
        subcommands: [List.self, GarbageCollect.self])

    struct StoreOptions: ParsableArguments {
        // `--state` too, as ps, gc and serve name a serve's directory.
        @Option(
            name: [.long, .customLong("state")],
            help: ArgumentHelp(
                "The directory holding deps/: pylambda run's cache (default), or a serve's --state directory.", valueName: "DIR"))
        var dir: String = PackagePreparer.defaultCacheDirectory

        var store: DependencyStore { PackagePreparer(directory: dir).dependencies }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the dependency sets: key, size, last use, packages.")

        @OptionGroup var options: StoreOptions

        func run() throws {
            let sets: [DependencySetInfo]
            do { sets = try options.store.list() } catch {
                StandardError.print("error: \(error)")
                throw ExitCode(3)
            }
            guard !sets.isEmpty else {
                StandardError.print("no dependency sets in \(options.dir)/deps")
                return
            }
            print("KEY           SIZE      FILES  LAST USED (UTC)       PACKAGES")
            for info in sets {
                let metadata = info.set.metadata
                let size = String(format: "%.1f MiB", Double(metadata.sizeBytes) / 1_048_576)
                let key = info.set.key.short
                print(
                    "\(key)  \(size.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(metadata.fileCount).padding(toLength: 6, withPad: " ", startingAt: 0)) \(Self.timestamp(info.lastUsed))  \(metadata.installed.joined(separator: " "))"
                )
            }
        }

        static func timestamp(_ date: Date) -> String {
            date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
        }
    }

    struct GarbageCollect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Remove the sets not used for a while (and what failed installs left).")

        @OptionGroup var options: StoreOptions

        @Option(name: .long, help: ArgumentHelp("Keep the sets used within this long: 30m, 12h, 7d (default), or 0 for none.", valueName: "AGE"))
        var unusedFor = "7d"

        @Flag(name: .long, help: "Only list what would be removed.")
        var dryRun = false

        func validate() throws {
            if AgeArgument.seconds(unusedFor) == nil { throw ValidationError("--unused-for takes a number with s, m, h or d, such as 7d") }
        }

        func run() throws {
            let cutoff = Date().addingTimeInterval(-(AgeArgument.seconds(unusedFor) ?? 0))
            do {
                let sets = try options.store.list()
                let keep = Set(sets.filter { $0.lastUsed > cutoff }.map(\.set.key))
                if dryRun {
                    for info in sets where !keep.contains(info.set.key) {
                        print("would remove \(info.set.key.rawValue) (\(info.set.metadata.installed.joined(separator: " ")))")
                    }
                    return
                }
                for key in try options.store.garbageCollect(keeping: keep) { print("removed \(key.rawValue)") }
            } catch {
                StandardError.print("error: \(error)")
                throw ExitCode(3)
            }
        }
    }
}
