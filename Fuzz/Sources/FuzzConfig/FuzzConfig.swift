import FuzzDriver

/// libFuzzer entry: `FuzzTarget.config` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.config.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzConfigMain {
    static func main() { runFuzzer { data, size in fuzzConfig(data, size) } }
}
