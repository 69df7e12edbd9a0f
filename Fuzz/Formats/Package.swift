// swift-tools-version:6.1
// libFuzzer targets for Skein's model-file and tokenizer parsing. See Fuzz/README.md for the commands.
import PackageDescription

let package = Package(
    name: "SkeinFormatsFuzz",
    dependencies: [.package(name: "Skein", path: "../..")],
    targets: [
        .executableTarget(name: "FuzzSafetensors", dependencies: [.product(name: "SkeinFormats", package: "Skein")]),
        .executableTarget(name: "FuzzConfig", dependencies: [.product(name: "SkeinFormats", package: "Skein")]),
        .executableTarget(name: "FuzzGGUF", dependencies: [.product(name: "SkeinFormats", package: "Skein")]),
        .executableTarget(name: "FuzzTokenizer", dependencies: [.product(name: "SkeinTokenizers", package: "Skein")]),
    ]
)
