// A plain synchronous main: the runner's work happens on its own threads (the interpreter thread and
// the standby thread), and this thread only waits for the exit code. CPython starts first (see
// `startInterpreter`).
SwiftRunnerCommand.startInterpreter()
SwiftRunnerCommand.main()
