import FuzzDriver

/// libFuzzer entry: `FuzzTarget.gguf` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.gguf.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzGGUFMain {
    static func main() { runFuzzer { data, size in fuzzGGUF(data, size) } }
}
