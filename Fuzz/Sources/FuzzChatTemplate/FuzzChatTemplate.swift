import FuzzDriver

/// libFuzzer entry: `FuzzTarget.chatTemplate` on the input; thrown errors are the parser's answer to bad
/// input, so only crashes, hangs and running out of memory are findings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChatTemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FuzzTarget.chatTemplate.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum FuzzChatTemplateMain {
    static func main() { runFuzzer { data, size in fuzzChatTemplate(data, size) } }
}
