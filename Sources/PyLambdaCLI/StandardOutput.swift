import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// What a command prints (a result, a key shown once, a table) must not look delivered when it was
/// not: a full disk or a closed stdout makes the process exit 3, saying so, instead of 0.
enum StandardOutput {
    /// Run at exit (`atexit`), after every `print`: flushes stdout, and if any write to it failed,
    /// says why on stderr and ends the process with status 3 (as coreutils' `close_stdout` does).
    static func flushOrFail() {
        let failure = clinux_flush_stdout()
        // EPIPE: the reader stopped reading (`| head`), as it chose to.
        guard failure != 0, failure != EPIPE else { return }
        StandardError.print("error: could not write the output to stdout: \(String(cString: strerror(failure)))")
        _exit(3)
    }
}

/// For `atexit`, which runs it on whichever thread called `exit`: a plain function, isolated to no
/// actor (a closure written in `main()` would be the main actor's, and its check would trap there).
func flushStandardOutputAtExit() {
    StandardOutput.flushOrFail()
}
