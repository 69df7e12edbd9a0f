import Foundation
import SkeinFormats

/// libFuzzer entry: config.json and generation_config.json parsing never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    _ = try? ModelConfiguration(json: bytes, file: "fuzz/config.json")
    _ = try? GenerationConfiguration(json: bytes, file: "fuzz/generation_config.json")
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM gives executables their own entry point; it hands control to libFuzzer's driver.
@main enum FuzzConfigMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzConfig(data, size) })
    }
}
