import FuzzDriver

/// libFuzzer entry: `FuzzTarget.tokenizer` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.tokenizer.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzTokenizerMain {
    static func main() { runFuzzer { data, size in fuzzTokenizer(data, size) } }
}
