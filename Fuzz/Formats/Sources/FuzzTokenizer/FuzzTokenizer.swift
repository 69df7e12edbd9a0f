import Foundation
import SkeinTokenizers

/// libFuzzer entry: tokenizer.json loading, encoding and decoding never crash or hang.
///
/// Input layout: tokenizer.json bytes, a NUL byte, then text to encode. Without a NUL the
/// whole input is tried as tokenizer.json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let split = bytes.firstIndex(of: 0) ?? size
    guard let tokenizer = try? Tokenizer(json: Data(bytes[0..<split]), file: "fuzz/tokenizer.json") else { return 0 }
    let text = split < size ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : ""
    let ids = tokenizer.encode(text)
    _ = try? tokenizer.decode(ids)
    // Any ids, valid or not, decode or throw.
    _ = try? tokenizer.decode(bytes.prefix(64).map { Int($0) * 7 })
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM gives executables their own entry point; it hands control to libFuzzer's driver.
@main enum FuzzTokenizerMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzTokenizer(data, size) })
    }
}
