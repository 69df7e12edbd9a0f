import FuzzDriver

/// libFuzzer entry: `FuzzTarget.offload` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOffload(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.offload.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzOffloadMain {
    static func main() { runFuzzer { data, size in fuzzOffload(data, size) } }
}
