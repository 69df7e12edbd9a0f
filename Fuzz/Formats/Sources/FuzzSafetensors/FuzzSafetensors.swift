import Foundation
import SkeinFormats

/// libFuzzer entry: any byte string is either a valid safetensors image or a thrown FormatError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? SafetensorsFile.parse(UnsafeRawBufferPointer(start: data, count: size), file: "fuzz.safetensors")
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM gives executables their own entry point; it hands control to libFuzzer's driver.
@main enum FuzzSafetensorsMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzSafetensors(data, size) })
    }
}
