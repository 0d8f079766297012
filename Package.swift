// swift-tools-version:6.2
import PackageDescription

/// Products: libplexus.so (the C ABI), one dynamic library per plugin, and the `plexus` command.
/// Plugins depend only on PlexusPluginKit (the plugin ABI), never on the core.
let package = Package(
    name: "Plexus",
    products: [
        .library(name: "plexus", type: .dynamic, targets: ["Plexus"]),
        .library(name: "plexus-cpu", type: .dynamic, targets: ["PlexusCPU"]),
        .library(name: "plexus-mlp", type: .dynamic, targets: ["PlexusMLP"]),
        .executable(name: "plexus-cli", targets: ["plexus-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CPlexus"),
        .target(name: "PlexusABI"),
        .target(name: "CPlexusSystem"),
        .target(name: "PlexusCore", dependencies: ["CPlexus", "CPlexusSystem", "PlexusABI"]),
        .target(name: "Plexus", dependencies: ["CPlexus", "PlexusABI", "PlexusCore"]),
        .target(name: "PlexusPluginKit", dependencies: ["CPlexus", "PlexusABI"]),
        .target(name: "PlexusCPU", dependencies: ["PlexusPluginKit"], path: "Plugins/cpu"),
        .target(name: "PlexusMLP", dependencies: ["PlexusPluginKit"], path: "Plugins/mlp"),
        .executableTarget(name: "plexus-cli", dependencies: [
            "PlexusCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "PlexusCoreTests", dependencies: ["PlexusCore"], exclude: ["Resources"]),
    ]
)
