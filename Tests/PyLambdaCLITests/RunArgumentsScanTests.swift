import ArgumentParser
import Testing

@testable import PyLambdaCLI

/// `RunArguments.scan`, the fast path of `pylambda run`, against ArgumentParser's parse of
/// `RunCommand`: whatever the scan accepts, ArgumentParser accepts the same way, and the scan knows
/// exactly the options `RunCommand` declares.
@Suite struct RunArgumentsScanTests {
    static let accepted: [[String]] = [
        ["f.py"],
        ["-"],
        ["f.py", "--data", #"{"n": 10}"#],
        ["--data", "[1]", "-"],
        ["f.py", "--data", ""],
        ["f.py", #"--data={"a": "b=c"}"#],
        ["f.py", "--data-file", "-"],
        ["f.py", "--data-file=payload.json", "--log-tail"],
        ["--log-tail", "f.py", "--no-keep-warm"],
        ["pkg", "--handler", "main.handler", "--requirements", "req.txt"],
        ["f.py", "--timeout", "5"], ["f.py", "--timeout=0.25"], ["f.py", "--timeout", "86400"], ["f.py", "--timeout", "1e2"],
        ["f.py", "--memory", "512"], ["f.py", "--memory=+64"],
        ["f.py", "--idle-ttl", "1"], ["f.py", "--idle-ttl", "86400"],
        ["f.py", "--backend", "process"], ["f.py", "--backend=docker"],
        ["f.py", "--runtime", "runsc"], ["f.py", "--runtime=runc"],
        ["f.py", "--env", "STAGE=test"], ["f.py", "--env=URL=a=b"], ["f.py", "--env", "EMPTY="],
        ["f.py", "--image", "my/runner:1", "--data", "{}", "--timeout", "3", "--memory", "128", "--idle-ttl", "60",
         "--runtime", "runsc", "--backend", "docker", "--handler", "entrypoint", "--log-tail", "--no-keep-warm"],
    ]

    /// Each is declined: ArgumentParser either refuses it or reads a form the scan leaves to it.
    static let declined: [[String]] = [
        [], ["--help"], ["-h"], ["f.py", "--help"], ["f.py", "g.py"], ["f.py", "--bogus"], ["f.py", "--bogus=1"],
        ["f.py", "-x"], ["-x.py"], ["f.py", "--"], ["--", "f.py"], ["f.py", "--data"], ["f.py", "--data="], ["f.py", "--data", "--log-tail"],
        ["f.py", "--log-tail=true"], ["f.py", "--log-tail", "--log-tail"], ["f.py", "--data", "1", "--data", "2"],
        ["f.py", "--timeout", "soon"], ["f.py", "--timeout", "-5"], ["f.py", "--timeout=-5"], ["f.py", "--timeout", "nan"],
        ["f.py", "--timeout", "0"], ["f.py", "--timeout", "86401"], ["f.py", "--memory", "15"], ["f.py", "--memory", "1.5"],
        ["f.py", "--idle-ttl", "0"], ["f.py", "--backend", "kata"], ["f.py", "--runtime", "kata"],
        ["f.py", "--runtime", "gvisor"], ["f.py", "--data", "{}", "--data-file", "x"], ["-", "--data-file", "-"],
        ["f.py", "--Data", "{}"], ["f.py", "--dat", "{}"], ["f.py", "--env", "NOVALUE"], ["f.py", "--env", "=x"],
        ["f.py", "--env", "A=1", "--env", "B=2"],
    ]

    @Test(arguments: accepted)
    func scanReadsWhatArgumentParserReads(_ arguments: [String]) throws {
        let scanned = try #require(RunArguments.scan(arguments), "the scan declined \(arguments)")
        let parsed = try RunCommand.parse(arguments)
        #expect(scanned == parsed.arguments)
    }

    @Test(arguments: declined)
    func scanDeclinesWhatItDoesNotRead(_ arguments: [String]) {
        #expect(RunArguments.scan(arguments) == nil)
    }

    /// The options of `pylambda run --help`, and each one's value taken by the scan.
    @Test func scanKnowsEveryOptionRunCommandDeclares() throws {
        let help = RunCommand.helpMessage(columns: 400)
        let declared = Set(help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," })
            .filter { $0.hasPrefix("--") && $0.count > 2 }
            .map { String($0.prefix(while: { $0 == "-" || $0.isLetter })) })
            .subtracting(["--help"])
        #expect(declared.count == 13, "\(declared.sorted())")
        for option in declared {
            let value = Self.sampleValues[option]
            let arguments = ["f.py", option] + (value.map { [$0] } ?? [])
            let scanned = RunArguments.scan(arguments)
            #expect(scanned != nil, "the scan does not read \(arguments)")
            #expect(scanned == (try? RunCommand.parse(arguments))?.arguments, "\(arguments)")
        }
    }

    /// A value for each option that takes one, other than its default.
    static let sampleValues = [
        "--handler": "h", "--requirements": "r.txt", "--data": "[]", "--data-file": "d.json", "--timeout": "2",
        "--memory": "64", "--backend": "process", "--image": "i", "--idle-ttl": "9", "--runtime": "runsc", "--env": "K=V",
    ]
}
