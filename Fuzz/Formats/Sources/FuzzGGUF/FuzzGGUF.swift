import Foundation
import SkeinFormats

/// libFuzzer entry: any byte string is either a GGUF file whose header, model configuration and
/// tensor data can all be read, or a thrown FormatError. Never a crash or an out-of-bounds read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = try? GGUFFile(bytes: UnsafeRawBufferPointer(start: data, count: size), path: "fuzz.gguf") else { return 0 }
    _ = try? ModelConfiguration(gguf: file)
    for info in file.tensors where info.byteCount <= 1 << 20 {
        _ = info.type.dequantize(file.data(of: info), count: info.elementCount)
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM gives executables their own entry point; it hands control to libFuzzer's driver.
@main enum FuzzGGUFMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzGGUF(data, size) })
    }
}
