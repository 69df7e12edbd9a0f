import FuzzDriver

/// libFuzzer entry: `FuzzTarget.requests` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequests(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.requests.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzRequestsMain {
    static func main() { runFuzzer { data, size in fuzzRequests(data, size) } }
}
