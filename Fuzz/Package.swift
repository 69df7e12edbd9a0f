// swift-tools-version:6.1
// libFuzzer targets for every parser of untrusted input in Skein, one executable each, outside the
// main package so `swift build` and `swift test` at the root never link libFuzzer.
// Build and run them with tools/fuzz.sh (see Fuzz/README.md).
import PackageDescription

/// Target name -> the `FuzzTarget` case it feeds (Tests/SkeinFuzzEntryPoints/FuzzTarget.swift).
let targets = ["Safetensors", "GGUF", "Config", "Tokenizer", "ChatTemplate", "SessionArchive", "Offload", "Requests"]

let package = Package(
    name: "SkeinFuzz",
    dependencies: [.package(name: "Skein", path: "..")],
    targets: [
        // libFuzzer's driver, called from each target's entry point.
        .target(name: "FuzzDriver", dependencies: [.product(name: "SkeinFuzzEntryPoints", package: "Skein")]),
    ] + targets.map { name in
        .executableTarget(name: "Fuzz\(name)", dependencies: ["FuzzDriver", .product(name: "SkeinFuzzEntryPoints", package: "Skein")])
    }
)
