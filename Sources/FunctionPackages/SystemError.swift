#if canImport(Glibc)
import Glibc
#endif

/// `strerror` text for an errno, for the messages of `PackageError` and `DependencyError`.
enum SystemError {
    static func message(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
