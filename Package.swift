// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "pylambda",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swift-runner", targets: ["SwiftRunner"]),
        .executable(name: "pylambda", targets: ["PyLambdaCLI"]),
        .library(name: "Dispatcher", targets: ["Dispatcher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // Debian's libpython3.11-dev, found through pkg-config.
        .systemLibrary(
            name: "CPython",
            pkgConfig: "python3-embed",
            providers: [.apt(["libpython3.11-dev"])]
        ),
        // The few CPython macros and variadic calls that Swift cannot import, and the deadline signal.
        .target(name: "CPythonShim", dependencies: ["CPython"]),
        // Linux calls the Glibc module leaves out: epoll, eventfd, signalfd, thread names.
        .target(name: "CLinux"),
        // Plain pthreads, a mutex with monotonic condition variables, the monotonic clock.
        .target(name: "PosixThreads", dependencies: ["CLinux"]),
        // The only Swift code that calls CPython: the interpreter thread, owned references, deadlines.
        .target(name: "EmbeddedPython", dependencies: ["CPython", "CPythonShim", "PosixThreads"]),
        // Paths, headers and the error body shared by runner and dispatcher.
        .target(name: "RunnerProtocol"),
        // The runner's HTTP/1.1 wire format: a strict incremental request decoder and response heads.
        // No I/O and no dependencies, so that it can be fuzzed on its own (Fuzz/).
        .target(name: "RunnerHTTP"),
        .target(
            name: "RunnerServer",
            dependencies: [
                "CLinux",
                "EmbeddedPython",
                "PosixThreads",
                "RunnerHTTP",
                "RunnerProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [
                .embedInCode("Python/_pylambda_output.py"),
                .embedInCode("Python/_pylambda_loading.py"),
                .embedInCode("Python/_pylambda_runner.py"),
            ]
        ),
        .executableTarget(
            name: "SwiftRunner",
            dependencies: [
                "RunnerServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Dispatcher",
            dependencies: [
                "RunnerProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "PyLambdaCLI",
            dependencies: [
                "Dispatcher",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "RunnerServerTests",
            dependencies: [
                "EmbeddedPython",
                "RunnerHTTP",
                "RunnerServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RunnerHTTPTests",
            dependencies: ["RunnerHTTP"]
        ),
        .testTarget(
            name: "RunnerImageTests",
            dependencies: [
                "RunnerProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DispatcherTests",
            dependencies: ["Dispatcher"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
