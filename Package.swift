// swift-tools-version:6.1
import PackageDescription

/// Skein: a long-context inference engine for the CPU.
///
/// Dependencies point one way: Kernels <- Tensor <- Formats <- Engine <- Eval <- CLI.
/// Tokenizers depend on nothing but Foundation.
///
/// Release builds drop bounds and overflow checks (-Ounchecked) only in the numeric kernels
/// (SkeinTensor), where they cost speed; every other module keeps them (-O), above all the
/// parsers of untrusted input: SkeinFormats, SkeinTokenizers (chat templates) and the server.
/// docs/BENCHMARKS.md ("Checked builds") has the decode and prefill figures.
let unchecked: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]
let checked: [SwiftSetting] = [.unsafeFlags(["-O", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "Skein",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "skein", targets: ["skein"]),
        .library(name: "SkeinEngine", targets: ["SkeinEngine"]),
        .library(name: "SkeinFormats", targets: ["SkeinFormats"]),
        .library(name: "SkeinTokenizers", targets: ["SkeinTokenizers"]),
        .library(name: "SkeinEval", targets: ["SkeinEval"]),
        .library(name: "SkeinAnalysis", targets: ["SkeinAnalysis"]),
        // For the fuzz package (Fuzz/Package.swift): the parsers' byte entry points, not an API.
        .library(name: "SkeinFuzzEntryPoints", targets: ["SkeinFuzzEntryPoints"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .target(name: "SkeinKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "SkeinTensor", dependencies: ["SkeinKernels"], swiftSettings: unchecked),
        .target(name: "SkeinFormats", dependencies: ["SkeinTensor"], swiftSettings: checked),
        .target(name: "SkeinTokenizers", swiftSettings: checked),
        .target(name: "SkeinEngine", dependencies: ["SkeinTensor", "SkeinFormats", "SkeinTokenizers"], swiftSettings: checked),
        // Resources/texts: the public-domain text every model is evaluated and analyzed on by default.
        .target(name: "SkeinEval", dependencies: ["SkeinEngine", "SkeinFormats", "SkeinTokenizers"], resources: [.copy("Resources/texts")],
                swiftSettings: checked),
        .target(
            name: "SkeinServer",
            dependencies: ["SkeinEngine", "SkeinFormats", "SkeinTokenizers", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: checked),
        // Diagnoses of length failure: attention statistics, receptive fields, RoPE dimensions, probing.
        .target(name: "SkeinAnalysis", dependencies: ["SkeinEngine", "SkeinEval"], swiftSettings: checked),
        // The shipped demo model (tools/train_demo_model.py), copied next to the executable.
        .target(name: "SkeinDemoModel", resources: [.copy("Resources/skein-demo")]),
        .executableTarget(
            name: "skein",
            dependencies: [
                "SkeinEngine", "SkeinFormats", "SkeinTokenizers", "SkeinEval", "SkeinAnalysis", "SkeinDemoModel", "SkeinServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: checked),
        .testTarget(name: "SkeinTensorTests", dependencies: ["SkeinTensor"]),
        .testTarget(name: "SkeinFormatsTests", dependencies: ["SkeinFormats"]),
        .testTarget(name: "SkeinTokenizersTests", dependencies: ["SkeinTokenizers"]),
        // Fixture loading and comparisons shared by the test targets.
        .target(name: "SkeinTesting", dependencies: ["SkeinEngine"], path: "Tests/SkeinTesting"),
        // A Hugging Face Hub on 127.0.0.1 (the Hub's URLs, headers and faults) for the pull tests.
        .target(name: "SkeinHubTesting", dependencies: ["SkeinFormats", .product(name: "Hummingbird", package: "hummingbird")],
                path: "Tests/SkeinHubTesting"),
        // Bytes into every parser of untrusted input, shared by the fuzz targets (Fuzz/) and the corpus replay tests.
        .target(name: "SkeinFuzzEntryPoints", dependencies: ["SkeinFormats", "SkeinTokenizers", "SkeinEngine", "SkeinServer", "SkeinDemoModel"],
                path: "Tests/SkeinFuzzEntryPoints", swiftSettings: checked),
        .testTarget(name: "SkeinHubTests", dependencies: ["SkeinFormats", "SkeinHubTesting"]),
        .testTarget(name: "SkeinEngineTests", dependencies: ["SkeinEngine", "SkeinFormats", "SkeinTesting"]),
        .testTarget(name: "SkeinEvalTests", dependencies: ["SkeinEval", "SkeinDemoModel", "SkeinServer", "SkeinEngine"]),
        .testTarget(name: "SkeinServerTests", dependencies: ["SkeinServer", "SkeinDemoModel", "SkeinFuzzEntryPoints"]),
        .testTarget(name: "SkeinAnalysisTests", dependencies: ["SkeinAnalysis", "SkeinEngine", "SkeinFormats", "SkeinTesting"]),
        // The command line: argument parsing in-process (@testable import skein) and the built executable end to end.
        .testTarget(name: "SkeinCLITests", dependencies: ["skein", "SkeinEngine", "SkeinFormats", "SkeinTokenizers", "SkeinDemoModel", "SkeinEval", "SkeinServer", "SkeinHubTesting"]),
    ],
    // Kernels share raw buffers across worker threads; Swift 5 mode keeps that readable.
    swiftLanguageModes: [.v5]
)
