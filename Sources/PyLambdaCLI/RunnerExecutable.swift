import Dispatcher

#if canImport(Glibc)
import Glibc
#endif

enum RunnerExecutable {
    /// `swift-runner` next to this executable (as `swift build` puts them), else on PATH.
    static func find() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let own = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        return Dispatcher.findRunnerExecutable(nextTo: own)
    }
}
