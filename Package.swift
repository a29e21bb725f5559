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
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Debian's libpython3.11-dev, found through pkg-config.
        .systemLibrary(
            name: "CPython",
            pkgConfig: "python3-embed",
            providers: [.apt(["libpython3.11-dev"])]
        ),
        // The few CPython macros and variadic calls that Swift cannot import.
        .target(name: "CPythonShim", dependencies: ["CPython"]),
        // The only Swift code that calls CPython: interpreter thread, owned references, errors.
        .target(name: "EmbeddedPython", dependencies: ["CPython", "CPythonShim"]),
        // Paths, headers and the error body shared by runner and dispatcher.
        .target(name: "RunnerProtocol"),
        .target(
            name: "RunnerServer",
            dependencies: [
                "EmbeddedPython",
                "RunnerProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "SwiftRunner",
            dependencies: [
                "RunnerServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
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
        // Storage of `pylambda serve`: functions, versions, keys, invocations, in SQLite or PostgreSQL.
        .target(
            name: "FunctionRegistry",
            dependencies: [
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "RunnerServerTests",
            dependencies: [
                "RunnerServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
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
        .testTarget(
            name: "FunctionRegistryTests",
            dependencies: [
                "FunctionRegistry",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
