// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "pylambda",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swift-runner", targets: ["SwiftRunner"]),
        .executable(name: "pylambda", targets: ["PyLambdaCLI"]),
        .library(name: "Dispatcher", targets: ["Dispatcher"]),
        .library(name: "FunctionRegistry", targets: ["FunctionRegistry"]),
        .library(name: "FunctionPackages", targets: ["FunctionPackages"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
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
        // The Docker Engine API over the daemon's Unix socket; knows nothing about PyLambda.
        .target(
            name: "DockerEngine",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Dispatcher",
            dependencies: [
                "DockerEngine",
                "RunnerProtocol",
                // Its byte classes, for reading runners' answers.
                "RunnerHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The function service's wire types, shared by `pylambda serve` and its clients.
        .target(name: "ServiceProtocol", dependencies: ["RunnerProtocol"]),
        // AWS Lambda's REST API (2015-03-31) shapes, as boto3 and the AWS CLI send and read them.
        .target(name: "LambdaProtocol"),
        .target(
            name: "FunctionService",
            dependencies: [
                "AWSSignatureV4",
                "CLinux",
                "Dispatcher",
                "FunctionPackages",
                "FunctionRegistry",
                "LambdaProtocol",
                "RunnerProtocol",
                "ServiceProtocol",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/openapi.json")]
        ),
        // The system zlib (Debian zlib1g-dev, which libpython3.11-dev pulls in): inflate and deflate for zips.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Function packages (directory, zip or single file) and content-addressed dependency sets.
        .target(
            name: "FunctionPackages",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "PyLambdaCLI",
            dependencies: [
                "CLinux",
                "Dispatcher",
                "DockerEngine",
                "FunctionPackages",
                "FunctionService",
                "ServiceProtocol",
                "RunnerProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The proof of concept's `/greet` web app, on the Dispatcher library (examples/greet-service).
        .executableTarget(
            name: "GreetService",
            dependencies: ["Dispatcher", .product(name: "Hummingbird", package: "hummingbird")],
            path: "examples/greet-service",
            resources: [.embedInCode("greet.py")]
        ),
        // Storage of `pylambda serve`: functions, versions, keys, invocations, in SQLite or PostgreSQL.
        .target(
            name: "FunctionRegistry",
            dependencies: [
                "CLinux",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // AWS Signature Version 4: verifies requests signed by boto3 and the AWS CLI, and signs them.
        .target(
            name: "AWSSignatureV4",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "AWSSignatureV4Tests",
            dependencies: ["AWSSignatureV4"],
            resources: [.copy("Fixtures")]
        ),
        // Plain sockets for the tests that send what HTTP client libraries will not.
        .target(name: "RawConnectionTesting", path: "Tests/RawConnectionTesting"),
        .testTarget(
            name: "RunnerServerTests",
            dependencies: [
                "RawConnectionTesting",
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
            name: "DockerEngineTests",
            dependencies: ["DockerEngine"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "FunctionServiceTests",
            dependencies: [
                "RawConnectionTesting",
                "FunctionService",
                "FunctionRegistry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PyLambdaCLITests",
            dependencies: ["PyLambdaCLI", "FunctionService", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "DispatcherTests",
            dependencies: [
                "Dispatcher", "DockerEngine", "FunctionPackages",
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FunctionRegistryTests",
            dependencies: [
                "FunctionRegistry",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FunctionPackagesTests",
            dependencies: ["FunctionPackages", "CZlib"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
