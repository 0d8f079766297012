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
        .library(name: "plexus-cnn", type: .dynamic, targets: ["PlexusCNN"]),
        .library(name: "plexus-rnn", type: .dynamic, targets: ["PlexusRNN"]),
        .library(name: "plexus-transformer", type: .dynamic, targets: ["PlexusTransformer"]),
        .library(name: "plexus-openblas", type: .dynamic, targets: ["PlexusOpenBLAS"]),
        .executable(name: "plexus-cli", targets: ["plexus-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.30.0"),
    ],
    targets: [
        .target(name: "CPlexus"),
        .target(name: "PlexusABI"),
        .target(name: "CPlexusSystem"),
        .target(name: "PlexusCore", dependencies: ["CPlexus", "CPlexusSystem", "PlexusABI"]),
        .target(name: "COnnxCheck",
                cxxSettings: [.define("ONNX_NAMESPACE", to: "onnx"), .define("ONNX_ML", to: "1")],
                linkerSettings: [.linkedLibrary("onnx"), .linkedLibrary("onnx_proto"), .linkedLibrary("protobuf")]),
        .target(name: "PlexusONNX", dependencies: ["PlexusCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "Plexus", dependencies: ["CPlexus", "PlexusABI", "PlexusCore", "PlexusONNX"]),
        .target(name: "PlexusPluginKit", dependencies: ["CPlexus", "PlexusABI"]),
        // DWARF 4: Debian's valgrind (3.19), which the C tests run under, cannot read the DWARF 5
        // that clang writes for the AVX-512 kernels.
        .target(name: "CPlexusCPUKernels", path: "Plugins/cpu-kernels", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        .target(name: "PlexusCPU", dependencies: ["PlexusPluginKit", "CPlexusCPUKernels"], path: "Plugins/cpu",
                plugins: ["OperatorIndex"]),
        // Lists a plugin target's OperatorFamily types at build time (adding an op is one file).
        .plugin(name: "OperatorIndex", capability: .buildTool(), path: "BuildPlugins/OperatorIndex", exclude: ["operator-index.sh"]),
        .target(name: "PlexusMLP", dependencies: ["PlexusPluginKit"], path: "Plugins/mlp"),
        .target(name: "PlexusCNN", dependencies: ["PlexusPluginKit", "CPlexusCPUKernels"], path: "Plugins/cnn", plugins: ["OperatorIndex"]),
        .target(name: "PlexusRNN", dependencies: ["PlexusPluginKit", "CPlexusCPUKernels"], path: "Plugins/rnn", plugins: ["OperatorIndex"]),
        .target(name: "PlexusTransformer", dependencies: ["PlexusPluginKit"], path: "Plugins/transformer", plugins: ["OperatorIndex"]),
        .target(name: "CPlexusOpenBLAS", path: "Plugins/openblas-loader"),
        .target(name: "PlexusOpenBLAS", dependencies: ["PlexusPluginKit", "CPlexusOpenBLAS"], path: "Plugins/openblas"),
        .executableTarget(name: "plexus-cli", dependencies: [
            "PlexusCore", "PlexusONNX", "COnnxCheck", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "PlexusCoreTests", dependencies: ["PlexusCore"], exclude: ["Resources"]),
        .testTarget(name: "PlexusONNXTests", dependencies: ["PlexusCore", "PlexusONNX"]),
    ],
    cxxLanguageStandard: .cxx17
)

// libFuzzer targets (Tests/Fuzz, run by scripts/fuzz.sh). They exist only when PLEXUS_FUZZ=1 is
// set while the manifest is read, so normal builds and `swift test` never compile them: they
// need `--sanitize fuzzer` (libFuzzer supplies `main`) and their own scratch path, .build-fuzz.
if Context.environment["PLEXUS_FUZZ"] == "1" {
    let asLibrary: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
    package.targets += [
        .target(name: "FuzzSupport", dependencies: ["PlexusCore"], path: "Tests/Fuzz/Support"),
        .executableTarget(name: "FuzzONNXLoader", dependencies: ["FuzzSupport", "PlexusCore", "PlexusONNX"],
                          path: "Tests/Fuzz/ONNXLoader", swiftSettings: asLibrary),
        .executableTarget(name: "FuzzSafetensors", dependencies: ["FuzzSupport", "PlexusCore"],
                          path: "Tests/Fuzz/Safetensors", swiftSettings: asLibrary),
        .executableTarget(name: "FuzzNumpy", dependencies: ["FuzzSupport", "PlexusCore"],
                          path: "Tests/Fuzz/Numpy", swiftSettings: asLibrary),
        .executableTarget(name: "FuzzSessionRun", dependencies: ["FuzzSupport", "PlexusCore", "PlexusONNX"],
                          path: "Tests/Fuzz/SessionRun", swiftSettings: asLibrary),
    ]
}
