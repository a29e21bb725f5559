// swift-tools-version:6.2
// A program that uses the Dispatcher library: `swift run --package-path examples/swift-library`.
import PackageDescription

let package = Package(
    name: "library-example",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "pylambda", path: "../..")],
    targets: [
        .executableTarget(
            name: "LibraryExample",
            dependencies: [.product(name: "Dispatcher", package: "pylambda")]
        )
    ],
    swiftLanguageModes: [.v6]
)
