import Foundation
import SkeinTokenizers

/// A fixed byte-level tokenizer (Llama-3 split, every byte, a few merges, flagged added tokens)
/// for the text-only and tokenizer_config.json modes, where the fuzzer spends its time on
/// encoding or the configuration rather than on parsing tokenizer.json.
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
    // A fixed, valid tokenizer.json built above: failing to load it is a bug in this file.
    return try! Tokenizer(json: JSONSerialization.data(withJSONObject: json))
}()

/// Tokenizers. Input layout, by the first byte:
/// - `0x01`: text only; the rest is encoded and streamed back with `fixedTokenizer`.
/// - `0x02`: the rest is a tokenizer_config.json; with `fixedTokenizer` it renders and encodes a chat.
/// - otherwise: tokenizer.json bytes, a NUL byte, then text to encode and decode (without a NUL
///   the whole input is tried as tokenizer.json); then arbitrary ids are decoded.
func feedTokenizer(_ raw: UnsafeRawBufferPointer) throws {
    let bytes = raw.bindMemory(to: UInt8.self)
    if bytes.first == 1 {
        let ids = fixedTokenizer.encode(String(decoding: bytes[1...], as: UTF8.self))
        var stream = StreamingDetokenizer(tokenizer: fixedTokenizer)
        for id in ids { _ = try stream.append(id) }
        _ = try stream.finish()
        return
    }
    if bytes.first == 2 {
        let configuration = try TokenizerConfiguration(json: Data(bytes[1...]), file: "fuzz/tokenizer_config.json")
        let model = ModelTokenizer(tokenizer: fixedTokenizer, configuration: configuration)
        _ = model.eosTokenIds
        _ = try model.encodeChat([["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi <|eot|>"],
                                  ["role": "assistant", "content": "Hello."], ["role": "user", "content": "Again"]])
        return
    }
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let tokenizer = try Tokenizer(json: Data(bytes[0..<split]), file: "fuzz/tokenizer.json")
    let text = split < bytes.count ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : ""
    let ids = tokenizer.encode(text)
    try all({ _ = try tokenizer.decode(ids) },
            // Any ids, valid or not, decode or throw.
            { _ = try tokenizer.decode(bytes.prefix(64).map { Int($0) * 7 }) },
            { _ = try tokenizer.decode(ids, skipSpecialTokens: true) })
}
