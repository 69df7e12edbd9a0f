import FuzzDriver

/// libFuzzer entry: `FuzzTarget.sessionArchive` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSessionArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.sessionArchive.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzSessionArchiveMain {
    static func main() { runFuzzer { data, size in fuzzSessionArchive(data, size) } }
}
