import Foundation
import SkeinTokenizers

/// A fixed byte-level tokenizer (Llama-3 split, every byte, a few merges, flagged added tokens)
/// for the text-only mode, where the fuzzer spends its time on encoding rather than parsing.
let fixedTokenizer: Tokenizer = {
    var printable = Set<Int>(0x21...0x7E)
    printable.formUnion(0xA1...0xAC)
    printable.formUnion(0xAE...0xFF)
    var vocab = [String: Int]()
    var next = 256
    for byte in 0..<256 {
        let scalar = printable.contains(byte) ? Unicode.Scalar(UInt8(byte)) : Unicode.Scalar(UInt32(next))!
        if !printable.contains(byte) { next += 1 }
        vocab[String(Character(scalar))] = byte
    }
    let merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["i", "n"], ["Ġ", "a"], ["e", "r"], ["Ġ", "Ġ"], ["ĠĠ", "ĠĠ"]]
    for pair in merges where vocab[pair[0] + pair[1]] == nil { vocab[pair[0] + pair[1]] = vocab.count }
    let added: [[String: Any]] = [
        ["id": 300, "content": "<|eot|>", "special": true, "lstrip": true, "rstrip": false, "normalized": false, "single_word": false],
        ["id": 301, "content": "[B]", "special": false, "lstrip": false, "rstrip": true, "normalized": true, "single_word": true],
        ["id": 302, "content": "  ", "special": false, "lstrip": false, "rstrip": false, "normalized": false, "single_word": false],
    ]
    let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    let json: [String: Any] = [
        "added_tokens": added,
        "normalizer": ["type": "NFC"],
        "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
            ["type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated", "invert": false],
            ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]],
        "model": ["type": "BPE", "vocab": vocab, "merges": merges, "ignore_merges": true],
        "decoder": ["type": "ByteLevel"],
    ]
    return try! Tokenizer(json: JSONSerialization.data(withJSONObject: json))
}()

/// libFuzzer entry: tokenizer.json loading, encoding and decoding never crash or hang.
///
/// Input layout: a first byte of 0x01 means "text only": the rest is encoded with a fixed
/// tokenizer. Otherwise: tokenizer.json bytes, a NUL byte, then text to encode (without a NUL
/// the whole input is tried as tokenizer.json).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if size > 0 && bytes[0] == 1 {
        let ids = fixedTokenizer.encode(String(decoding: bytes[1...], as: UTF8.self))
        var stream = StreamingDetokenizer(tokenizer: fixedTokenizer)
        for id in ids { _ = try? stream.append(id) }
        _ = try? stream.finish()
        return 0
    }
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
