import FuzzDriver

/// libFuzzer entry: `FuzzTarget.safetensors` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.safetensors.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzSafetensorsMain {
    static func main() { runFuzzer { data, size in fuzzSafetensors(data, size) } }
}
